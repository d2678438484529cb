/* Spectre-v2, Spectre-BHB and Spectre-v4 at the EL2 boundary (issue 13 items 1 and 2).
 *
 * Each CPU chooses at boot, from its MIDR_EL1, its ID registers and what the firmware answers
 * to SMCCC_ARCH_FEATURES (Arm DEN0028, SMCCC 1.1 and later), what it must do on every exit from
 * a guest so that branch predictions a guest trained cannot steer the hypervisor (or, through
 * the hypervisor, the next VM entered on that CPU):
 *  - Spectre-v2 (branch target injection): nothing if ID_AA64PFR0_EL1.CSV2 says predictions are
 *    isolated per context, or the core is one Arm lists as unaffected; else the firmware's
 *    SMCCC_ARCH_WORKAROUND_1 (branch predictor invalidation) if it offers it; else vulnerable.
 *  - Spectre-BHB (branch history injection, Arm's "Spectre-BHB" whitepaper, CVE-2022-23960):
 *    nothing with FEAT_ECBHB, FEAT_CSV2_3 or an unaffected core; else the CLRBHB instruction
 *    (FEAT_CLRBHB); else the branch history loop with the core's count; else the firmware's
 *    SMCCC_ARCH_WORKAROUND_3, or WORKAROUND_1 on the cores where that also clears the history
 *    (Cortex-A73, A75); else vulnerable.
 *  - Spectre-v4 (speculative store bypass): not done at each exit; the firmware's dynamic
 *    SMCCC_ARCH_WORKAROUND_2 is switched on once at boot and left on for everyone.
 * The exit path (vectors.S) reads the result as one word of the per-CPU block: zero, what a CPU
 * that needs nothing has, costs one load and one branch per exit. */
#ifndef ARCH_SPECTRE_H
#define ARCH_SPECTRE_H

/* The per-CPU word vectors.S reads at CPU_LOCAL_SPECTRE_OFFSET (arch/aarch64/cpu_local.h). */
#define SPECTRE_EXIT_LOOP_MASK 0xff /* branch history loop iterations, 0: none */
#define SPECTRE_EXIT_CLRBHB    8    /* bit: CLRBHB; ISB */
#define SPECTRE_EXIT_FW_WA1    9    /* bit: SMC SMCCC_ARCH_WORKAROUND_1 */
#define SPECTRE_EXIT_FW_WA3    10   /* bit: SMC SMCCC_ARCH_WORKAROUND_3 (covers WA1 as well) */

#define SMCCC_ARCH_WORKAROUND_1 0x80008000
#define SMCCC_ARCH_WORKAROUND_2 0x80007fff
#define SMCCC_ARCH_WORKAROUND_3 0x80003fff

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stdbool.h>

/* SMCCC_ARCH_FEATURES results for the workarounds (DEN0028). */
#define SMCCC_RET_SUCCESS       0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED  (-2)
#define SMCCC_RET_UNAFFECTED    1

enum spectre_state { SPECTRE_UNAFFECTED, SPECTRE_MITIGATED, SPECTRE_VULNERABLE };

/* What one CPU has: its registers and the firmware's answers (SMCCC_RET_NOT_SUPPORTED where the
 * firmware has no SMCCC 1.1 or no conduit). */
struct spectre_inputs {
    uint32_t midr;
    uint64_t pfr0, mmfr1, isar2;
    int64_t fw_wa1, fw_wa2, fw_wa3;
};

struct spectre_choice {
    enum spectre_state v2, bhb, v4;
    uint32_t exit_word; /* for the exit path: SPECTRE_EXIT_* */
    bool fw_wa2_enable; /* call WORKAROUND_2(1) once on this CPU at boot */
    char why_v2[48], why_bhb[48], why_v4[48];
};

/* Pure: the choice for a CPU with these inputs. */
void spectre_choose(const struct spectre_inputs *in, struct spectre_choice *out);
/* The name of the core in MIDR_EL1 ("Cortex-A72"), or NULL if not in the tables. */
const char *spectre_core_name(uint32_t midr);

/* The choice each CPU made at boot (spectre_cpu_set by the CPU itself), for the answers given
 * to guests (vdev/vpsci.c); NULL for a CPU that has not made one. */
void spectre_cpu_set(unsigned cpu, const struct spectre_choice *c);
const struct spectre_choice *spectre_cpu(unsigned cpu);

#endif /* __ASSEMBLER__ */

#endif

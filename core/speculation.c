#include "core/speculation.h"
#include "core/percpu.h"
#include "drivers/psci.h"
#include "arch/aarch64/spectre.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/midr.h"
#include "lib/printf.h"

void speculation_cpu_init(unsigned id)
{
    struct spectre_inputs in = {
        .midr = (uint32_t)sysreg_read(midr_el1),
        .pfr0 = sysreg_read(id_aa64pfr0_el1),
        .mmfr1 = sysreg_read(id_aa64mmfr1_el1),
        .isar2 = sysreg_read(s3_0_c0_c6_2), /* ID_AA64ISAR2_EL1, by encoding for older assemblers */
        .fw_wa1 = smccc_arch_features(SMCCC_ARCH_WORKAROUND_1),
        .fw_wa2 = smccc_arch_features(SMCCC_ARCH_WORKAROUND_2),
        .fw_wa3 = smccc_arch_features(SMCCC_ARCH_WORKAROUND_3),
    };
    struct spectre_choice c;
    spectre_choose(&in, &c);
    /* Dynamic Spectre-v4 mitigation in firmware: on for good (DEN0028: x1 = 1 enables it for
     * the caller; it then covers every VM on this CPU, which is why guests are told
     * NOT_REQUIRED and their calls change nothing, vdev/vpsci.c). */
    if (c.fw_wa2_enable)
        smccc_call(SMCCC_ARCH_WORKAROUND_2, 1);
    spectre_cpu_set(id, &c);
    percpu_data[id].spectre_exit = c.exit_word;
}

void speculation_describe(unsigned id, char *buf, size_t size)
{
    const struct spectre_choice *c = spectre_cpu(id);
    uint32_t midr = (uint32_t)sysreg_read(midr_el1);
    const char *name = spectre_core_name(midr);
    if (!c) {
        ev_snprintf(buf, size, "no choice made");
        return;
    }
    char core[32];
    if (name)
        ev_snprintf(core, sizeof(core), "%s r%up%u", name, MIDR_FIELD(midr, VARIANT), MIDR_FIELD(midr, REVISION));
    else
        ev_snprintf(core, sizeof(core), "MIDR 0x%x", midr);
    ev_snprintf(buf, size, "%s: Spectre-v2 %s, Spectre-BHB %s, Spectre-v4 %s", core, c->why_v2, c->why_bhb, c->why_v4);
}

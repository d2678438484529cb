/* The speculation mitigations each CPU needs at the EL2 boundary (see spectre.h). Pure logic
 * over the inputs a CPU gathers at boot, plus the table of what each CPU chose. */
#include "arch/aarch64/spectre.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/midr.h"
#include "lib/printf.h"

/* Arm cores by MIDR_EL1.PartNum (implementer 0x41), with what Arm's security updates say of
 * them: unaffected by Spectre-v2 (no branch target injection across contexts) and v4, and the
 * branch history loop count of the Spectre-BHB whitepaper ("Spectre-BHB: Frequently Asked
 * Questions" and the whitepaper's table of cores: 8 for the Cortex-A57 and A72, 24 for the
 * A76/A77/Neoverse N1 family, 32 for the A78/X1/A710/X2/Neoverse N2/V1 family), or the firmware's
 * WORKAROUND_1 for the cores whose branch predictor invalidation also clears the history. */
#define BHB_NONE 0  /* not affected */
#define BHB_FW   -1 /* mitigated by WORKAROUND_1 (BPIALL in firmware) */
static const struct core {
    uint16_t part;
    const char *name;
    bool v2_safe, v4_safe;
    int8_t bhb; /* loop count, BHB_NONE or BHB_FW */
} cores[] = {
    { 0xd03, "Cortex-A53", true, true, BHB_NONE }, { 0xd04, "Cortex-A35", true, true, BHB_NONE },
    { 0xd05, "Cortex-A55", true, true, BHB_NONE }, { 0xd07, "Cortex-A57", false, false, 8 },
    { 0xd08, "Cortex-A72", false, false, 8 },      { 0xd09, "Cortex-A73", false, false, BHB_FW },
    { 0xd0a, "Cortex-A75", false, false, BHB_FW }, { 0xd0b, "Cortex-A76", false, false, 24 },
    { 0xd0c, "Neoverse N1", false, false, 24 },    { 0xd0d, "Cortex-A77", false, false, 24 },
    { 0xd0e, "Cortex-A76AE", false, false, 24 },   { 0xd40, "Neoverse V1", false, false, 32 },
    { 0xd41, "Cortex-A78", false, false, 32 },     { 0xd42, "Cortex-A78AE", false, false, 32 },
    { 0xd44, "Cortex-X1", false, false, 32 },      { 0xd46, "Cortex-A510", true, true, BHB_NONE },
    { 0xd47, "Cortex-A710", false, false, 32 },    { 0xd48, "Cortex-X2", false, false, 32 },
    { 0xd49, "Neoverse N2", false, false, 32 },    { 0xd4b, "Cortex-A78C", false, false, 32 },
    { 0xd4c, "Cortex-X1C", false, false, 32 },
};

static const struct core *find_core(uint32_t midr)
{
    if (MIDR_FIELD(midr, IMPLEMENTER) != MIDR_IMPLEMENTER_ARM)
        return 0;
    for (unsigned i = 0; i < sizeof(cores) / sizeof(cores[0]); i++)
        if (cores[i].part == MIDR_FIELD(midr, PARTNUM))
            return &cores[i];
    return 0;
}

const char *spectre_core_name(uint32_t midr)
{
    const struct core *c = find_core(midr);
    return c ? c->name : 0;
}

#define WHY(field, ...) ev_snprintf(out->field, sizeof(out->field), __VA_ARGS__)

static void choose_v2(const struct spectre_inputs *in, const struct core *core, struct spectre_choice *out)
{
    if (ID_FIELD_GET(in->pfr0, ID_AA64PFR0_EL1_CSV2)) {
        out->v2 = SPECTRE_UNAFFECTED;
        WHY(why_v2, "not affected (CSV2)");
    } else if (core && core->v2_safe) {
        out->v2 = SPECTRE_UNAFFECTED;
        WHY(why_v2, "not affected (core)");
    } else if (in->fw_wa1 == SMCCC_RET_UNAFFECTED) {
        out->v2 = SPECTRE_UNAFFECTED;
        WHY(why_v2, "not affected (firmware)");
    } else if (in->fw_wa1 == SMCCC_RET_SUCCESS) {
        out->v2 = SPECTRE_MITIGATED;
        out->exit_word |= 1u << SPECTRE_EXIT_FW_WA1;
        WHY(why_v2, "firmware WORKAROUND_1 at each exit");
    } else {
        out->v2 = SPECTRE_VULNERABLE;
        WHY(why_v2, "vulnerable (no firmware WORKAROUND_1)");
    }
}

static void choose_bhb(const struct spectre_inputs *in, const struct core *core, struct spectre_choice *out)
{
    if (ID_FIELD_GET(in->mmfr1, ID_AA64MMFR1_EL1_ECBHB)) {
        out->bhb = SPECTRE_UNAFFECTED;
        WHY(why_bhb, "not affected (ECBHB)");
    } else if (ID_FIELD_GET(in->pfr0, ID_AA64PFR0_EL1_CSV2) >= 3) {
        out->bhb = SPECTRE_UNAFFECTED;
        WHY(why_bhb, "not affected (CSV2_3)");
    } else if (core && core->bhb == BHB_NONE) {
        out->bhb = SPECTRE_UNAFFECTED;
        WHY(why_bhb, "not affected (core)");
    } else if (ID_FIELD_GET(in->isar2, ID_AA64ISAR2_EL1_CLRBHB)) {
        out->bhb = SPECTRE_MITIGATED;
        out->exit_word |= 1u << SPECTRE_EXIT_CLRBHB;
        WHY(why_bhb, "CLRBHB at each exit");
    } else if (core && core->bhb > 0) {
        out->bhb = SPECTRE_MITIGATED;
        out->exit_word |= (uint32_t)core->bhb;
        WHY(why_bhb, "history loop x%d at each exit", core->bhb);
    } else if (in->fw_wa3 == SMCCC_RET_SUCCESS) {
        out->bhb = SPECTRE_MITIGATED;
        out->exit_word = (out->exit_word & ~(1u << SPECTRE_EXIT_FW_WA1)) | 1u << SPECTRE_EXIT_FW_WA3;
        WHY(why_bhb, "firmware WORKAROUND_3 at each exit");
    } else if (core && core->bhb == BHB_FW && in->fw_wa1 == SMCCC_RET_SUCCESS) {
        out->bhb = SPECTRE_MITIGATED;
        WHY(why_bhb, "firmware WORKAROUND_1 at each exit");
    } else if (core) {
        out->bhb = SPECTRE_VULNERABLE; /* listed as affected, and no means left */
        WHY(why_bhb, "vulnerable (no firmware WORKAROUND_3)");
    } else {
        /* Arm lists every affected core of its own; another implementer's core is taken at
         * its firmware's word, or as not affected when the firmware says nothing. */
        out->bhb = SPECTRE_UNAFFECTED;
        WHY(why_bhb, in->fw_wa3 == SMCCC_RET_UNAFFECTED ? "not affected (firmware)" : "not affected (not listed)");
    }
}

static void choose_v4(const struct spectre_inputs *in, const struct core *core, struct spectre_choice *out)
{
    if (core && core->v4_safe) {
        out->v4 = SPECTRE_UNAFFECTED;
        WHY(why_v4, "not affected (core)");
    } else if (in->fw_wa2 == SMCCC_RET_UNAFFECTED) {
        out->v4 = SPECTRE_UNAFFECTED;
        WHY(why_v4, "not affected (firmware)");
    } else if (in->fw_wa2 == SMCCC_RET_SUCCESS || in->fw_wa2 == SMCCC_RET_NOT_REQUIRED) {
        out->v4 = SPECTRE_MITIGATED;
        out->fw_wa2_enable = in->fw_wa2 == SMCCC_RET_SUCCESS;
        WHY(why_v4, in->fw_wa2 == SMCCC_RET_SUCCESS ? "firmware WORKAROUND_2 on for good" : "firmware, always on");
    } else {
        out->v4 = SPECTRE_VULNERABLE;
        WHY(why_v4, "vulnerable (no firmware WORKAROUND_2)");
    }
}

void spectre_choose(const struct spectre_inputs *in, struct spectre_choice *out)
{
    *out = (struct spectre_choice){ 0 };
    const struct core *core = find_core(in->midr);
    choose_v2(in, core, out);
    choose_bhb(in, core, out);
    choose_v4(in, core, out);
}

static struct spectre_choice chosen[MAX_CPUS];
static bool chosen_set[MAX_CPUS];

void spectre_cpu_set(unsigned cpu, const struct spectre_choice *c)
{
    if (cpu >= MAX_CPUS)
        return;
    chosen[cpu] = *c;
    __atomic_store_n(&chosen_set[cpu], true, __ATOMIC_RELEASE);
}

const struct spectre_choice *spectre_cpu(unsigned cpu)
{
    return cpu < MAX_CPUS && __atomic_load_n(&chosen_set[cpu], __ATOMIC_ACQUIRE) ? &chosen[cpu] : 0;
}

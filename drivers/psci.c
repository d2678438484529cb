#include "drivers/psci.h"

uint64_t smccc_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
uint64_t smccc_hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

static enum psci_conduit conduit = PSCI_CONDUIT_NONE;

void psci_set_conduit(enum psci_conduit c) { conduit = c; }
enum psci_conduit psci_conduit(void) { return conduit; }

int64_t psci_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    switch (conduit) {
    case PSCI_CONDUIT_SMC:
        return (int64_t)smccc_smc(fid, a1, a2, a3);
    case PSCI_CONDUIT_HVC:
        return (int64_t)smccc_hvc(fid, a1, a2, a3);
    default:
        return PSCI_NOT_SUPPORTED;
    }
}

uint32_t psci_version(void) { return (uint32_t)psci_call(PSCI_0_2_VERSION, 0, 0, 0); }

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context)
{
    return psci_call(PSCI_0_2_CPU_ON64, mpidr, entry_pa, context);
}

void psci_system_off(void) { psci_call(PSCI_0_2_SYSTEM_OFF, 0, 0, 0); }
void psci_system_reset(void) { psci_call(PSCI_0_2_SYSTEM_RESET, 0, 0, 0); }

/* SMCCC 1.1 or later below us (DEN0028 7.1: PSCI_FEATURES says whether SMCCC_VERSION exists,
 * PSCI 1.0 and later); asked once, on the boot CPU, before the secondaries start. */
static int smccc_1_1 = -1;

int64_t smccc_arch_features(uint32_t fid)
{
    if (smccc_1_1 < 0) {
        smccc_1_1 = 0;
        if (conduit != PSCI_CONDUIT_NONE && psci_version() >= 0x10000 &&
            psci_call(PSCI_1_0_FEATURES, SMCCC_VERSION_FID, 0, 0) >= 0) {
            int64_t v = psci_call(SMCCC_VERSION_FID, 0, 0, 0);
            smccc_1_1 = v >= 0x10001;
        }
    }
    return smccc_1_1 ? psci_call(SMCCC_ARCH_FEATURES_FID, fid, 0, 0) : PSCI_NOT_SUPPORTED;
}

void smccc_call(uint32_t fid, uint64_t a1) { (void)psci_call(fid, a1, 0, 0); }

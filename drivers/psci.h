/* PSCI client: the hypervisor asking the firmware below it (Arm DEN0022 PSCI). */
#ifndef DRIVERS_PSCI_H
#define DRIVERS_PSCI_H

#include <stdint.h>

#define PSCI_0_2_VERSION           0x84000000u
#define PSCI_0_2_CPU_SUSPEND64     0xc4000001u
#define PSCI_0_2_CPU_OFF           0x84000002u
#define PSCI_0_2_CPU_ON64          0xc4000003u
#define PSCI_0_2_AFFINITY_INFO64   0xc4000004u
#define PSCI_0_2_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_0_2_SYSTEM_OFF        0x84000008u
#define PSCI_0_2_SYSTEM_RESET      0x84000009u
#define PSCI_1_0_FEATURES          0x8400000au

/* SMCCC (Arm DEN0028) calls every SMCCC 1.1 firmware has. */
#define SMCCC_VERSION_FID       0x80000000u
#define SMCCC_ARCH_FEATURES_FID 0x80000001u

#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INTERNAL_FAILURE   (-6)
#define PSCI_NOT_PRESENT        (-7)
#define PSCI_DISABLED           (-8)
#define PSCI_INVALID_ADDRESS    (-9)

enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_SMC, PSCI_CONDUIT_HVC };

void psci_set_conduit(enum psci_conduit c);
enum psci_conduit psci_conduit(void);
int64_t psci_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
uint32_t psci_version(void);
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context);
void psci_system_off(void);
void psci_system_reset(void);
/* SMCCC_ARCH_FEATURES(fid) of the firmware, this CPU's answer; PSCI_NOT_SUPPORTED (-1) when the
 * firmware is older than SMCCC 1.1 or there is none. */
int64_t smccc_arch_features(uint32_t fid);
/* A call with one argument whose result is not used (the workarounds). */
void smccc_call(uint32_t fid, uint64_t a1);

#endif

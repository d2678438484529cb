/* Branch protection for the hypervisor's own code (issue 13 item 15): the image is built with
 * -mbranch-protection=standard, which puts a BTI landing pad at every function that may be
 * called indirectly and signs each return address with PACIASP/AUTIASP. Both are HINT
 * instructions, NOPs on CPUs without FEAT_BTI / FEAT_PAuth; where the CPU has them, the boot
 * enables them at EL2: the text pages guarded (GP, Arm ARM D8.3.2) with SCTLR_EL2.BT, and
 * SCTLR_EL2.EnIA with a secret instruction key A.
 *
 * The key lives in APIAKey{Lo,Hi}_EL1, which EL2 shares with EL1 when HCR_EL2.E2H = 0 (there
 * is no key register of EL2's own). Guests never see it: until a vCPU first uses pointer
 * authentication, HCR_EL2.APK = 0 traps its key accesses and HCR_EL2.API = 0 its PAuth
 * instructions; from then on (vdev/vpauth.c) the vCPU runs with its own key A, which vcpu_enter
 * installs just before the ERET and the exit path replaces with branch_prot_key before any C
 * code runs (vectors.S, struct guest_regs): EL2 code never signs or authenticates with a
 * guest's key, and a guest never runs with EL2's. The other four keys are unused at EL2. */
#ifndef ARCH_BRANCH_PROT_H
#define ARCH_BRANCH_PROT_H

#include <stdbool.h>
#include <stdint.h>

bool branch_prot_has_bti(void);
bool branch_prot_has_pac(void);
/* The instruction key A EL2 signs with (lo, hi); vectors.S restores it after a guest's. */
extern uint64_t branch_prot_key[2];
/* Boot CPU, before the first mmu_enable: the key every CPU installs. */
void branch_prot_set_key(uint64_t lo, uint64_t hi);
/* Each CPU, from mmu_enable (which runs without branch protection of its own, since it turns
 * pointer authentication on under its own feet): installs the key, returns the SCTLR_EL2 bits
 * to set. */
uint64_t branch_prot_install(void);

#endif

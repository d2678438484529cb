/* Branch protection for the hypervisor's own code (issue 13 item 15): the image is built with
 * -mbranch-protection=standard, which puts a BTI landing pad at every function that may be
 * called indirectly and signs each return address with PACIASP/AUTIASP. Both are HINT
 * instructions, NOPs on CPUs without FEAT_BTI / FEAT_PAuth; where the CPU has them, the boot
 * enables them at EL2: the text pages guarded (GP, Arm ARM D8.3.2) with SCTLR_EL2.BT, and
 * SCTLR_EL2.EnIA with a secret instruction key A.
 *
 * The key lives in APIAKey{Lo,Hi}_EL1, which EL2 shares with EL1 when HCR_EL2.E2H = 0. Guests
 * never see it: HCR_EL2.APK = 0 traps their key accesses and HCR_EL2.API = 0 their PAuth
 * instructions, and elvisor hides PAuth from them. Offering PAuth to guests means switching
 * these registers on every entry and exit. */
#ifndef ARCH_BRANCH_PROT_H
#define ARCH_BRANCH_PROT_H

#include <stdbool.h>
#include <stdint.h>

bool branch_prot_has_bti(void);
bool branch_prot_has_pac(void);
/* Boot CPU, before the first mmu_enable: the key every CPU installs. */
void branch_prot_set_key(uint64_t lo, uint64_t hi);
/* Each CPU, from mmu_enable (which runs without branch protection of its own, since it turns
 * pointer authentication on under its own feet): installs the key, returns the SCTLR_EL2 bits
 * to set. */
uint64_t branch_prot_install(void);

#endif

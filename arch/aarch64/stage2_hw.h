/* The hardware side of stage 2: VTCR_EL2, VTTBR_EL2 and TLB maintenance by VMID. */
#ifndef ARCH_STAGE2_HW_H
#define ARCH_STAGE2_HW_H

#include <stdint.h>

/* IPA width used for every VM: from PARange, capped at 48 (or stage2_limit_ipa_bits); on CPUs whose PARange is at most
 * 42 bits a level-0 start is not allowed (Arm ARM D8.2.x), so 39 bits (level 1 start). */
unsigned stage2_ipa_bits(void);
/* Caps the IPA width of every VM (boot, before any VM or vCPU exists): an SMMU that walks the
 * VMs' stage 2 tables accepts no wider input than its output size (IHI 0070 5.2, S2T0SZ). */
void stage2_limit_ipa_bits(unsigned bits);
void stage2_hw_init(void); /* per CPU: VTCR_EL2 */
uint64_t stage2_vttbr(uint64_t root_pa, unsigned vmid);
/* Invalidates stage 1+2 TLB entries of the VM with this VTTBR, for all CPUs (inner shareable). */
void stage2_tlb_flush_vmid(uint64_t vttbr);
void stage2_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size);
/* Invalidates the EL1&0 stage 1 entries of the VMID in VTTBR_EL2 now (the loaded vCPU's VM):
 * on this CPU only, or on every CPU (inner shareable). */
void tlb_flush_el1_local(void);
void tlb_flush_el1_all(void);

#endif

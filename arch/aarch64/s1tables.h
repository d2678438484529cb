/* The translation table descriptors a stage 1 walk of the EL1&0 regime reads for one VA, in
 * the order the walk reads them (docs/nested.md "Address translation": the shadow stage 2 is
 * filled for those table pages before an AT is retried). Pure: every descriptor comes through
 * the caller's read function, nothing read is trusted, at most one read per level. 4 KiB
 * granule, 48-bit VAs (no FEAT_LPA2). Arm ARM DDI 0487K.a D8.2 (translation process), D8.3.1
 * (descriptors), D24.2 TCR_EL1. */
#ifndef ARCH_S1TABLES_H
#define ARCH_S1TABLES_H

#include <stdint.h>
#include "arch/aarch64/s2walk.h"

#define S1T_DONE    0 /* the walk reached a leaf or an invalid descriptor: every table was read */
#define S1T_REFUSED 1 /* read refused the table at *ipa */
/* No walk of this kind: TTBRn disabled (EPDn), VA outside its range, a granule or size not
 * walked here. */
#define S1T_NOWALK 2

/* Walks va on (tcr, ttbr0, ttbr1), calling read(ctx, address, &desc) for each descriptor, its
 * address an IPA; *ipa is the address refused with S1T_REFUSED. */
int s1tables_walk(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1, uint64_t va, s2walk_read_fn read, void *ctx,
                  uint64_t *ipa);

#endif

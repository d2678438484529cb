/* Data cache maintenance by set/way (Arm ARM C5.3, DC CSW and DC CISW): the operand is the
 * set/way/level word those instructions take. Host tests see each operation as
 * a write of its operand to a stand-in register named after it (tests/host/stubs.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <stdint.h>
#include "arch/aarch64/sysreg.h"

#ifndef HOST_TEST
/* Clean one line by set/way. */
static inline void dc_csw(uint64_t setway) { __asm__ volatile("dc csw, %0" ::"r"(setway) : "memory"); }
/* Clean and invalidate one line by set/way. */
static inline void dc_cisw(uint64_t setway) { __asm__ volatile("dc cisw, %0" ::"r"(setway) : "memory"); }
#else
static inline void dc_csw(uint64_t setway) { host_sysreg_write("dc_csw", setway); }
static inline void dc_cisw(uint64_t setway) { host_sysreg_write("dc_cisw", setway); }
#endif

#endif

/* System-register accessors and barriers. Everything above arch/ reads or writes a system
 * register through these names, never through inline assembly of its own. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>

#define sysreg_read(reg) ({ uint64_t _v; __asm__ volatile("mrs %0, " #reg : "=r"(_v)); _v; })
#define sysreg_write(reg, val) \
    do { uint64_t _v = (uint64_t)(val); __asm__ volatile("msr " #reg ", %0" :: "r"(_v) : "memory"); } while (0)

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dsb_ishst(void) { __asm__ volatile("dsb ishst" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

static inline unsigned current_el(void) { return (unsigned)(sysreg_read(CurrentEL) >> 2) & 3; }

/* DAIF: the I bit masks IRQs taken to this EL. */
static inline uint64_t irq_save(void)
{
    uint64_t flags = sysreg_read(daif);
    __asm__ volatile("msr daifset, #2" ::: "memory");
    return flags;
}
static inline void irq_restore(uint64_t flags) { sysreg_write(daif, flags); }
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* ID_AA64MMFR0_EL1.PARange (Arm ARM D19.2): encoded physical address size. */
static inline unsigned pa_range_bits(void)
{
    static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
    uint64_t r = sysreg_read(id_aa64mmfr0_el1) & 0xf;
    return r < 7 ? bits[r] : 48;
}

#endif

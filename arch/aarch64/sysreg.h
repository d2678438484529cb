/* System-register accessors and barriers. Everything above arch/ reads or writes a system
 * register through these names, never through inline assembly of its own. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>
/* Register fields for the helpers below and for lib/, which may include only this header of
 * arch/ (tools/check_layers.py): the MPIDR in panic messages, PSTATE for IRQ masking. */
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mpidr.h"
#include "arch/aarch64/regs/psr.h"

#ifndef HOST_TEST
#define sysreg_read(reg)                              \
    ({                                                \
        uint64_t _v;                                  \
        __asm__ volatile("mrs %0, " #reg : "=r"(_v)); \
        _v;                                           \
    })
#define sysreg_write(reg, val)                                     \
    do {                                                           \
        uint64_t _v = (uint64_t)(val);                             \
        __asm__ volatile("msr " #reg ", %0" ::"r"(_v) : "memory"); \
    } while (0)
#define SYSREG_INSN(insn) __asm__ volatile(insn ::: "memory")
#else
/* Host tests (tests/unit, tests/fuzz) run this code on x86-64: a system register access is a
 * call by name to their stand-ins (tests/host/stubs.c); barriers and hints do nothing. */
uint64_t host_sysreg_read(const char *name);
void host_sysreg_write(const char *name, uint64_t val);
#define sysreg_read(reg)       host_sysreg_read(#reg)
#define sysreg_write(reg, val) host_sysreg_write(#reg, (uint64_t)(val))
#define SYSREG_INSN(insn)      ((void)0)
#endif

static inline void isb(void) { SYSREG_INSN("isb"); }
static inline void dsb_sy(void) { SYSREG_INSN("dsb sy"); }
static inline void dsb_ish(void) { SYSREG_INSN("dsb ish"); }
static inline void dsb_ishst(void) { SYSREG_INSN("dsb ishst"); }
static inline void wfi(void) { SYSREG_INSN("wfi"); }
static inline void wfe(void) { SYSREG_INSN("wfe"); }
static inline void sev(void) { SYSREG_INSN("sev"); }
static inline void cpu_relax(void) { SYSREG_INSN("yield"); }

static inline unsigned current_el(void)
{
    return (unsigned)(sysreg_read(CurrentEL) >> CURRENTEL_EL_SHIFT) & CURRENTEL_EL_MASK;
}

/* DAIF: the I bit masks IRQs taken to this EL. */
#define SYSREG_STR_(x) #x
#define SYSREG_STR(x)  SYSREG_STR_(x)
#define MSR_DAIFSET_I  "msr daifset, #" SYSREG_STR(DAIFSET_I)
#define MSR_DAIFCLR_I  "msr daifclr, #" SYSREG_STR(DAIFSET_I)
static inline uint64_t irq_save(void)
{
    uint64_t flags = sysreg_read(daif);
    SYSREG_INSN(MSR_DAIFSET_I);
    return flags;
}
static inline void irq_restore(uint64_t flags) { sysreg_write(daif, flags); }
static inline void irq_enable(void) { SYSREG_INSN(MSR_DAIFCLR_I); }
static inline void irq_disable(void) { SYSREG_INSN(MSR_DAIFSET_I); }

/* ID_AA64MMFR0_EL1.PARange (Arm ARM D19.2): encoded physical address size. */
static inline unsigned pa_range_bits(void)
{
    static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
    uint64_t r = ID_FIELD_GET(sysreg_read(id_aa64mmfr0_el1), ID_AA64MMFR0_EL1_PARANGE);
    return r < 7 ? bits[r] : 48;
}

#endif

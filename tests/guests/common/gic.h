/* A small GIC driver for test guests, GICv2 (GICD + GICC MMIO) or GICv3 (GICD + GICR MMIO,
 * ICC_* system registers), found in the guest's device tree. Register layouts: IHI 0048B
 * chapter 4, IHI 0069H chapter 12. Every interrupt is Group 1 on GICv3 and Group 0 on GICv2
 * (the reset group there, signalled as IRQ). Header-only: each guest is one program. */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include "tests/guests/common/guest.h"

#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_IIDR       0x0008
#define GICD_IGROUPR    0x0080
#define GICD_ISENABLER  0x0100
#define GICD_ICENABLER  0x0180
#define GICD_ISPENDR    0x0200
#define GICD_ICPENDR    0x0280
#define GICD_ISACTIVER  0x0300
#define GICD_ICACTIVER  0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR  0x0800
#define GICD_ICFGR      0x0c00
#define GICD_SGIR       0x0f00
#define GICD_IROUTER    0x6000
#define GICD_PIDR2_V2   0x0fe8
#define GICD_PIDR2_V3   0xffe8
#define GICR_TYPER      0x0008
#define GICR_WAKER      0x0014
#define GICR_PIDR2      0xffe8
#define GICR_SGI        0x10000
#define GICR_STRIDE     0x20000
#define GICC_CTLR       0x0000
#define GICC_PMR        0x0004
#define GICC_BPR        0x0008
#define GICC_IAR        0x000c
#define GICC_EOIR       0x0010
#define GICC_RPR        0x0014
#define GICC_DIR        0x1000

struct guest_gic {
    unsigned version;
    uintptr_t d, c, r; /* distributor, GICv2 CPU interface, GICv3 redistributors */
};
static struct guest_gic gic;

/* One plain LDR/STR each, never a pair or a writeback form the compiler may pick for a volatile
 * access: only those give the hypervisor a syndrome to emulate the access from (ESR_ELx.ISV,
 * Arm ARM D17.2.40), which KVM needs (a guest under minivmm, docs/nested.md). */
static inline uint32_t mmio_rd(uintptr_t a)
{
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline void mmio_wr(uintptr_t a, uint32_t v) { __asm__ volatile("str %w0, [%1]" ::"r"(v), "r"(a) : "memory"); }
static inline uint64_t mmio_rd64(uintptr_t a)
{
    uint64_t v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline void mmio_wr64(uintptr_t a, uint64_t v) { __asm__ volatile("str %0, [%1]" ::"r"(v), "r"(a) : "memory"); }
static inline void mmio_wr8(uintptr_t a, uint8_t v) { __asm__ volatile("strb %w0, [%1]" ::"r"(v), "r"(a) : "memory"); }

static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2; isb" ::: "memory"); }
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2; isb" ::: "memory"); }
static inline uint64_t cntvct(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}
static inline uint64_t cntfrq(void) { return sysreg_read(cntfrq_el0); }
static inline uint64_t us_to_ticks(uint64_t us) { return us * cntfrq() / 1000000; }
static inline uint64_t ticks_to_us(uint64_t t) { return t * 1000000 / cntfrq(); }
static inline unsigned my_vcpu(void) { return (unsigned)(sysreg_read(mpidr_el1) & 0xff); }

/* Finds the GIC; 0 on success. */
static inline int gic_probe(void)
{
    uint64_t base, size, second, ssize;
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v3");
    gic.version = 3;
    if (node < 0) {
        node = fdt_next_compatible(&guest_fdt, -1, "arm,cortex-a15-gic");
        gic.version = 2;
    }
    if (node < 0 || fdt_reg(&guest_fdt, node, 0, &base, &size) < 0 || fdt_reg(&guest_fdt, node, 1, &second, &ssize) < 0)
        return -1;
    gic.d = (uintptr_t)base;
    if (gic.version == 3)
        gic.r = (uintptr_t)second;
    else
        gic.c = (uintptr_t)second;
    return 0;
}

static inline uintptr_t gicr_of(unsigned vcpu) { return gic.r + (uintptr_t)vcpu * GICR_STRIDE; }

/* Registers of INTID n: private ones in this vCPU's redistributor SGI frame on GICv3. */
static inline uintptr_t gic_reg_base(uint32_t intid)
{
    return (gic.version == 3 && intid < 32) ? gicr_of(my_vcpu()) + GICR_SGI : gic.d;
}

static inline void gic_dist_init(void)
{
    if (gic.version == 3) {
        mmio_wr(gic.d + GICD_CTLR, 1u << 4 | 1u << 1); /* ARE, EnableGrp1 */
        for (uint32_t i = 32; i < 256; i += 32)
            mmio_wr(gic.d + GICD_IGROUPR + i / 8, ~0u);
    } else {
        mmio_wr(gic.d + GICD_CTLR, 1); /* EnableGrp0 */
    }
}

static inline void gic_set_eoimode(bool split)
{
    if (gic.version == 3) {
        sysreg_write(icc_ctlr_el1, split ? 2 : 0); /* ICC_CTLR_EL1.EOImode [1] */
    } else {
        uint32_t c = mmio_rd(gic.c + GICC_CTLR); /* GICC_CTLR.EOImodeNS [9] (GICV) */
        mmio_wr(gic.c + GICC_CTLR, split ? c | 1u << 9 : c & ~(1u << 9));
    }
    __asm__ volatile("isb");
}

static inline void gic_set_pmr(uint8_t p)
{
    if (gic.version == 3)
        sysreg_write(icc_pmr_el1, p);
    else
        mmio_wr(gic.c + GICC_PMR, p);
    __asm__ volatile("isb");
}

static inline uint32_t gic_rpr(void)
{
    return gic.version == 3 ? (uint32_t)sysreg_read(icc_rpr_el1) : mmio_rd(gic.c + GICC_RPR);
}

/* This vCPU's CPU interface (and redistributor): enabled, PMR open, EOImode 0. */
static inline void gic_cpu_init(void)
{
    if (gic.version == 3) {
        uintptr_t r = gicr_of(my_vcpu());
        mmio_wr(r + GICR_WAKER, mmio_rd(r + GICR_WAKER) & ~2u);
        while (mmio_rd(r + GICR_WAKER) & 4u)
            ;
        mmio_wr(r + GICR_SGI + GICD_IGROUPR, ~0u);
        sysreg_write(icc_sre_el1, sysreg_read(icc_sre_el1) | 1);
        __asm__ volatile("isb");
        sysreg_write(icc_bpr1_el1, 0);
        sysreg_write(icc_igrpen1_el1, 1);
    } else {
        mmio_wr(gic.c + GICC_BPR, 0);
        mmio_wr(gic.c + GICC_CTLR, 1); /* EnableGrp0 */
    }
    gic_set_pmr(0xf0);
    gic_set_eoimode(false);
}

static inline void gic_bit(uint32_t reg, uint32_t intid)
{
    mmio_wr(gic_reg_base(intid) + reg + 4 * (intid / 32), 1u << (intid % 32));
}
static inline bool gic_bit_get(uint32_t reg, uint32_t intid)
{
    return (mmio_rd(gic_reg_base(intid) + reg + 4 * (intid / 32)) >> (intid % 32)) & 1;
}
static inline void gic_enable(uint32_t intid) { gic_bit(GICD_ISENABLER, intid); }
static inline void gic_disable(uint32_t intid) { gic_bit(GICD_ICENABLER, intid); }
static inline void gic_pend(uint32_t intid) { gic_bit(GICD_ISPENDR, intid); }
static inline bool gic_is_pending(uint32_t intid) { return gic_bit_get(GICD_ISPENDR, intid); }
static inline bool gic_is_active(uint32_t intid) { return gic_bit_get(GICD_ISACTIVER, intid); }
static inline void gic_set_prio(uint32_t intid, uint8_t p)
{
    mmio_wr8(gic_reg_base(intid) + GICD_IPRIORITYR + intid, p);
}

/* Routes SPI intid to vCPU index vcpu (Aff0 = index in elvisor's guests). */
static inline void gic_route(uint32_t intid, unsigned vcpu)
{
    if (gic.version == 3)
        mmio_wr64(gic.d + GICD_IROUTER + 8 * intid, vcpu);
    else
        mmio_wr8(gic.d + GICD_ITARGETSR + intid, (uint8_t)(1u << vcpu));
}

/* SPI intid edge-triggered (GICD_ICFGR: 0b10 per interrupt), priority 0x80, to vCPU 0, enabled. */
static inline void gic_spi_edge_setup(uint32_t intid)
{
    uintptr_t cfg = gic.d + GICD_ICFGR + (intid / 16) * 4;
    mmio_wr(cfg, mmio_rd(cfg) | 2u << ((intid % 16) * 2));
    gic_set_prio(intid, 0x80);
    gic_route(intid, 0);
    gic_enable(intid);
}

/* SGI to the vCPUs in mask (bit n = vCPU n). */
static inline void gic_sgi(unsigned sgi, uint32_t mask)
{
    __asm__ volatile("dsb ish" ::: "memory");
    if (gic.version == 3)
        sysreg_write(icc_sgi1r_el1, (uint64_t)sgi << 24 | (mask & 0xffff));
    else
        mmio_wr(gic.d + GICD_SGIR, (mask & 0xff) << 16 | sgi);
    __asm__ volatile("isb");
}

/* SGI to every vCPU but this one (ICC_SGI1R_EL1.IRM / GICD_SGIR TargetListFilter 1). */
static inline void gic_sgi_others(unsigned sgi)
{
    __asm__ volatile("dsb ish" ::: "memory");
    if (gic.version == 3)
        sysreg_write(icc_sgi1r_el1, (uint64_t)sgi << 24 | 1UL << 40);
    else
        mmio_wr(gic.d + GICD_SGIR, 1u << 24 | sgi);
    __asm__ volatile("isb");
}

static inline uint32_t gic_ack(void)
{
    uint32_t v = gic.version == 3 ? (uint32_t)sysreg_read(icc_iar1_el1) : mmio_rd(gic.c + GICC_IAR);
    __asm__ volatile("dsb sy" ::: "memory");
    return v;
}
static inline uint32_t gic_iar_intid(uint32_t iar) { return gic.version == 3 ? iar & 0xffffff : iar & 0x3ff; }
static inline void gic_eoi(uint32_t iar)
{
    if (gic.version == 3)
        sysreg_write(icc_eoir1_el1, iar);
    else
        mmio_wr(gic.c + GICC_EOIR, iar);
    __asm__ volatile("isb");
}
static inline void gic_dir(uint32_t iar)
{
    if (gic.version == 3)
        sysreg_write(icc_dir_el1, iar);
    else
        mmio_wr(gic.c + GICC_DIR, iar);
    __asm__ volatile("isb");
}

/* Spins for us microseconds of virtual time. */
static inline void udelay(uint64_t us)
{
    uint64_t end = cntvct() + us_to_ticks(us);
    while (cntvct() < end)
        ;
}

/* Sleeps about us microseconds in WFI, woken by the virtual timer; only for guests that have
 * not enabled the timer's interrupt (PPI 27) in the GIC: the wake-up needs no interrupt. Keeps
 * a waiting guest from spinning a host thread under QEMU. */
static inline void sleep_us(uint64_t us)
{
    uint64_t end = cntvct() + us_to_ticks(us);
    while (cntvct() < end) {
        sysreg_write(cntv_cval_el0, end);
        sysreg_write(cntv_ctl_el0, 1);
        __asm__ volatile("isb; wfi" ::: "memory");
    }
    sysreg_write(cntv_ctl_el0, 0);
    __asm__ volatile("isb");
}

#endif

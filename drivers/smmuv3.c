/* SMMUv3 driver: stage 2 only, wired interrupts, one command queue (Arm IHI 0070, chapter 3
 * "Operation", 3.5 "Command and Event queues", 3.3 "Data structures and translation procedure").
 *
 * Why share the VM's stage 2 tables rather than mirror them: the SMMU's stage 2 walks the same
 * VMSAv8-64 descriptor format as the CPU (IHI 0070 3.4.1, "Stage 2 ... the translation tables are
 * the same format as the PE's"), so pointing S2TTB at the VM's root gives a device exactly the
 * IPA space of the VM's CPUs, with no second copy to keep in step. What sharing costs is one
 * TLBI_S12_VMALL + CMD_SYNC after every change of those tables (smmuv3_tlbi_vmid). */
#include "drivers/smmuv3.h"
#include "drivers/smmuv3_regs.h"
#include "arch/aarch64/sysreg.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PAGE_BYTES 4096u

/* Queue sizes we use (entries, log2), capped by what SMMU_IDR1 allows. */
#define CMDQ_LOG2_MAX   8 /* 256 x 16 bytes */
#define EVENTQ_LOG2_MAX 9 /* 512 x 32 bytes: 16 KiB */
/* StreamIDs we cover: 16 bits (a PCI requester ID); larger SIDSIZEs are capped (streams above
 * abort as C_BAD_STREAMID). 2-level tables split at 8 bits: 256 L1 descriptors, 256 STEs (16 KiB)
 * per level 2 table, allocated when a stream in its range is first attached. */
#define SID_BITS_MAX 16
#define SPLIT        8

static struct {
    volatile uint8_t *regs;
    void *(*alloc)(size_t pages, size_t align);
    bool present;
    bool two_level;
    unsigned sid_bits, oas_bits, oas_enc;
    uint64_t *strtab; /* linear: STEs; 2-level: L1 descriptors */
    uint64_t *l2[1u << (SID_BITS_MAX - SPLIT)];
    uint64_t *cmdq;
    unsigned cmdq_log2;
    uint32_t cmdq_prod; /* with the wrap bit */
    uint64_t *eventq;
    unsigned eventq_log2;
    uint32_t gerror_seen;
    spinlock_t lock; /* command queue and stream table */
} smmu;

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(smmu.regs + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(smmu.regs + off) = v; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(smmu.regs + off) = v; }

/* Polls until (reg & mask) == want, for at most 100 ms. */
static bool wait_reg(unsigned off, uint32_t mask, uint32_t want)
{
    uint64_t end = sysreg_read(cntpct_el0) + sysreg_read(cntfrq_el0) / 10;
    while ((rd32(off) & mask) != want)
        if (sysreg_read(cntpct_el0) > end)
            return false;
    return true;
}

/* CR0 changes take effect once CR0ACK shows them (6.3.10). */
static bool write_cr0(uint32_t v)
{
    wr32(SMMU_CR0, v);
    return wait_reg(SMMU_CR0ACK, 0xffffffffu, v);
}

static unsigned oas_bits_of(unsigned enc)
{
    static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
    return enc < sizeof(bits) / sizeof(bits[0]) ? bits[enc] : 48;
}

static unsigned min_u(unsigned a, unsigned b) { return a < b ? a : b; }

/* Queue slot index and wrap bit (3.5.1): both PROD and CONS count modulo 2^(log2 + 1). */
static uint32_t q_idx(uint32_t v, unsigned log2) { return v & ((1u << log2) - 1); }
static uint32_t q_wrap(uint32_t v, unsigned log2) { return v & (1u << log2); }
static bool q_full(uint32_t prod, uint32_t cons, unsigned log2)
{
    return q_idx(prod, log2) == q_idx(cons, log2) && q_wrap(prod, log2) != q_wrap(cons, log2);
}
static uint32_t q_inc(uint32_t v, unsigned log2) { return (v + 1) & ((2u << log2) - 1); }

static void cmd_slot_write(uint32_t idx, uint64_t w0, uint64_t w1)
{
    smmu.cmdq[(size_t)idx * SMMU_CMD_DWORDS] = w0;
    smmu.cmdq[(size_t)idx * SMMU_CMD_DWORDS + 1] = w1;
}

/* Called with smmu.lock held. The queue never fills in practice (every caller ends with a
 * SYNC and waits for it), but a full queue is waited out rather than overwritten. */
static bool cmd_push(uint64_t w0, uint64_t w1)
{
    uint64_t end = sysreg_read(cntpct_el0) + sysreg_read(cntfrq_el0) / 10;
    while (q_full(smmu.cmdq_prod, rd32(SMMU_CMDQ_CONS), smmu.cmdq_log2))
        if (sysreg_read(cntpct_el0) > end)
            return false;
    cmd_slot_write(q_idx(smmu.cmdq_prod, smmu.cmdq_log2), w0, w1);
    smmu.cmdq_prod = q_inc(smmu.cmdq_prod, smmu.cmdq_log2);
    return true;
}

/* Pushes a CMD_SYNC, publishes PROD and waits until CONS passes it: every command before it
 * has completed (4.7.3, "CMD_SYNC"). A command error stops the queue; it is reported and
 * skipped (3.5.4, "Command errors"), so the hypervisor never hangs on it. */
static void cmd_sync_locked(void)
{
    cmd_push(SMMU_CMD_SYNC, 0);
    dsb_ishst(); /* the commands are in memory before PROD moves */
    wr32(SMMU_CMDQ_PROD, smmu.cmdq_prod);
    uint64_t end = sysreg_read(cntpct_el0) + sysreg_read(cntfrq_el0) / 10;
    for (;;) {
        uint32_t cons = rd32(SMMU_CMDQ_CONS);
        if ((cons & ((2u << smmu.cmdq_log2) - 1)) == smmu.cmdq_prod)
            return;
        uint32_t gerr = rd32(SMMU_GERROR) ^ rd32(SMMU_GERRORN);
        if (gerr & SMMU_GERROR_CMDQ_ERR) {
            printk("elvisor: SMMU: command at slot %u refused (CMDQ_CONS.ERR %u); skipped\n",
                   q_idx(cons, smmu.cmdq_log2), (unsigned)REG_GET(cons, SMMU_CMDQ_CONS_ERR));
            /* Replace the bad command by a SYNC and acknowledge the error: the queue resumes. */
            cmd_slot_write(q_idx(cons, smmu.cmdq_log2), SMMU_CMD_SYNC, 0);
            dsb_ishst();
            wr32(SMMU_GERRORN, rd32(SMMU_GERRORN) ^ SMMU_GERROR_CMDQ_ERR);
            continue;
        }
        if (sysreg_read(cntpct_el0) > end) {
            printk("elvisor: SMMU: CMD_SYNC did not complete within 100 ms\n");
            return;
        }
    }
}

static uint64_t *ste_of(uint32_t sid, bool alloc)
{
    if (sid >> smmu.sid_bits)
        return 0;
    if (!smmu.two_level)
        return &smmu.strtab[(uint64_t)sid * SMMU_STE_DWORDS];
    unsigned l1 = sid >> SPLIT;
    if (!smmu.l2[l1]) {
        if (!alloc)
            return 0;
        size_t bytes = ((size_t)1 << SPLIT) * SMMU_STE_DWORDS * 8;
        uint64_t *t = smmu.alloc(bytes / PAGE_BYTES, bytes);
        if (!t)
            return 0;
        smmu.l2[l1] = t;
        dsb_ishst(); /* the (all invalid) table before the descriptor that points to it */
        smmu.strtab[l1] =
            ((uint64_t)(uintptr_t)t & SMMU_L1STD_L2PTR_MASK) | REG_FIELD(SPLIT + 1, SMMU_L1STD_SPAN_SHIFT);
    }
    return &smmu.l2[l1][(sid & ((1u << SPLIT) - 1)) * SMMU_STE_DWORDS];
}

/* Rewrites an STE the safe way (3.21.3.1, "Configuration structure update procedure"): make it
 * invalid and have the SMMU forget it, then write the new words and publish word 0 last. */
static void ste_write(uint32_t sid, uint64_t *ste, const uint64_t w[SMMU_STE_DWORDS])
{
    ste[0] = 0;
    dsb_ishst();
    cmd_push(SMMU_CMD_CFGI_STE | REG_FIELD(sid, SMMU_CMD_SID_SHIFT), SMMU_CMD_LEAF);
    cmd_sync_locked();
    for (unsigned i = 1; i < SMMU_STE_DWORDS; i++)
        ste[i] = w[i];
    dsb_ishst();
    ste[0] = w[0];
    dsb_ishst();
    cmd_push(SMMU_CMD_CFGI_STE | REG_FIELD(sid, SMMU_CMD_SID_SHIFT), SMMU_CMD_LEAF);
    cmd_sync_locked();
}

int smmuv3_attach_s2(uint32_t sid, const struct smmuv3_s2 *s2)
{
    if (!smmu.present || s2->ipa_bits > smmuv3_max_ipa_bits() || s2->start_level > 2)
        return -1;
    /* S2SL0 with the 4 KiB granule: 0 = level 2, 1 = level 1, 2 = level 0 (as VTCR_EL2.SL0). */
    uint64_t w[SMMU_STE_DWORDS] = { 0 };
    w[0] = SMMU_STE_V | REG_FIELD(SMMU_STE_CONFIG_S2, SMMU_STE_CONFIG_SHIFT);
    w[1] = REG_FIELD(SMMU_STE1_SHCFG_INCOMING, SMMU_STE1_SHCFG_SHIFT);
    w[2] = REG_FIELD(s2->vmid & 0xff, SMMU_STE2_S2VMID_SHIFT) | REG_FIELD(64 - s2->ipa_bits, SMMU_STE2_S2T0SZ_SHIFT) |
           REG_FIELD(2 - s2->start_level, SMMU_STE2_S2SL0_SHIFT) | REG_FIELD(SMMU_CR1_WBWA, SMMU_STE2_S2IR0_SHIFT) |
           REG_FIELD(SMMU_CR1_WBWA, SMMU_STE2_S2OR0_SHIFT) | REG_FIELD(SMMU_CR1_ISH, SMMU_STE2_S2SH0_SHIFT) |
           REG_FIELD(smmu.oas_enc, SMMU_STE2_S2PS_SHIFT) | SMMU_STE2_S2AA64 | SMMU_STE2_S2R;
    w[3] = s2->root_pa & SMMU_STE3_S2TTB_MASK;
    spin_lock(&smmu.lock);
    uint64_t *ste = ste_of(sid, true);
    if (ste)
        ste_write(sid, ste, w);
    spin_unlock(&smmu.lock);
    return ste ? 0 : -1;
}

void smmuv3_detach(uint32_t sid)
{
    if (!smmu.present)
        return;
    static const uint64_t invalid[SMMU_STE_DWORDS] = { 0 };
    spin_lock(&smmu.lock);
    uint64_t *ste = ste_of(sid, false);
    if (ste)
        ste_write(sid, ste, invalid);
    spin_unlock(&smmu.lock);
}

void smmuv3_tlbi_vmid(unsigned vmid)
{
    if (!smmu.present)
        return;
    spin_lock(&smmu.lock);
    cmd_push(SMMU_CMD_TLBI_S12_VMALL | REG_FIELD(vmid & 0xff, SMMU_CMD_VMID_SHIFT), 0);
    cmd_sync_locked();
    spin_unlock(&smmu.lock);
}

unsigned smmuv3_read_events(struct smmuv3_event *out, unsigned max)
{
    if (!smmu.present)
        return 0;
    unsigned n = 0, log2 = smmu.eventq_log2;
    uint32_t mask = (2u << log2) - 1;
    uint32_t cons = rd32(SMMU_EVENTQ_CONS) & mask;
    while (n < max) {
        uint32_t raw = rd32(SMMU_EVENTQ_PROD), prod = raw & mask;
        /* An overflow (PROD.OVFLG toggled) is acknowledged by copying it to CONS.OVACKFLG. */
        uint32_t ovf = raw & SMMU_Q_OVFLG;
        if ((rd32(SMMU_EVENTQ_CONS) & SMMU_Q_OVFLG) != ovf)
            wr32(SMMU_EVENTQ_CONS, cons | ovf);
        if (prod == cons)
            break;
        const volatile uint64_t *e = smmu.eventq + (size_t)q_idx(cons, log2) * SMMU_EVT_DWORDS;
        out[n].type = (uint8_t)(e[0] & SMMU_EVT_TYPE_MASK);
        out[n].sid = (uint32_t)(e[0] >> SMMU_EVT_SID_SHIFT);
        out[n].write = !(e[1] & SMMU_EVT1_RNW);
        out[n].addr = e[2];
        n++;
        cons = q_inc(cons, log2);
        wr32(SMMU_EVENTQ_CONS, cons | (rd32(SMMU_EVENTQ_PROD) & SMMU_Q_OVFLG));
    }
    return n;
}

uint32_t smmuv3_take_gerror(void)
{
    if (!smmu.present)
        return 0;
    uint32_t active = (rd32(SMMU_GERROR) ^ rd32(SMMU_GERRORN)) & SMMU_GERROR_ACTIVE_MASK & ~SMMU_GERROR_CMDQ_ERR;
    if (active)
        wr32(SMMU_GERRORN, rd32(SMMU_GERRORN) ^ active);
    return active;
}

bool smmuv3_present(void) { return smmu.present; }

/* IHI 0070 5.2, STE.S2T0SZ: the input size may not exceed the output size the SMMU supports. */
unsigned smmuv3_max_ipa_bits(void) { return smmu.present ? smmu.oas_bits : 0; }

void smmuv3_describe(char *buf, size_t cap)
{
    ev_snprintf(buf, cap, "SMMUv3 at 0x%lx: stage 2, %s stream table, %u-bit StreamIDs, OAS %u bits",
                (unsigned long)(uintptr_t)smmu.regs, smmu.two_level ? "2-level" : "linear", smmu.sid_bits,
                smmu.oas_bits);
}

#define FAIL(...)                           \
    do {                                    \
        ev_snprintf(why, cap, __VA_ARGS__); \
        return -1;                          \
    } while (0)

int smmuv3_init(const struct smmuv3_desc *d, char *why, size_t cap)
{
    smmu.regs = (volatile uint8_t *)(uintptr_t)d->base;
    smmu.alloc = d->alloc;
    /* First of all, whatever else fails: no stream may bypass (6.3.14). If firmware left the
     * SMMU enabled, turn it off first so that GBPA is what applies while we set up. */
    if (!write_cr0(0))
        FAIL("SMMU_CR0 not acknowledged");
    wr32(SMMU_GBPA, SMMU_GBPA_ABORT | SMMU_GBPA_UPDATE);
    if (!wait_reg(SMMU_GBPA, SMMU_GBPA_UPDATE, 0))
        FAIL("SMMU_GBPA update not acknowledged");

    uint32_t idr0 = rd32(SMMU_IDR0), idr1 = rd32(SMMU_IDR1), idr5 = rd32(SMMU_IDR5);
    if (!(idr0 & SMMU_IDR0_S2P))
        FAIL("no stage 2 translation (SMMU_IDR0.S2P = 0; on QEMU: -global arm-smmuv3.stage=2)");
    if (!(REG_GET(idr0, SMMU_IDR0_TTF) & SMMU_IDR0_TTF_AARCH64) || !(idr5 & SMMU_IDR5_GRAN4K))
        FAIL("no AArch64 tables with the 4 KiB granule");
    smmu.oas_enc = (unsigned)REG_GET(idr5, SMMU_IDR5_OAS);
    smmu.oas_bits = oas_bits_of(smmu.oas_enc);
    if (smmu.oas_bits > 48) {
        smmu.oas_enc = 5;
        smmu.oas_bits = 48;
    }
    smmu.sid_bits = min_u((unsigned)REG_GET(idr1, SMMU_IDR1_SIDSIZE), SID_BITS_MAX);
    /* 2-level whenever supported and the table would span more than one L2 table: the SMMU
     * then needs only the level 2 tables of streams in use. */
    smmu.two_level = REG_GET(idr0, SMMU_IDR0_ST_LEVEL) == 1 && smmu.sid_bits > SPLIT;
    smmu.cmdq_log2 = min_u((unsigned)REG_GET(idr1, SMMU_IDR1_CMDQS), CMDQ_LOG2_MAX);
    smmu.eventq_log2 = min_u((unsigned)REG_GET(idr1, SMMU_IDR1_EVENTQS), EVENTQ_LOG2_MAX);

    size_t st_bytes =
        smmu.two_level ? ((size_t)8 << (smmu.sid_bits - SPLIT)) : ((size_t)SMMU_STE_DWORDS * 8 << smmu.sid_bits);
    size_t st_pages = (st_bytes + PAGE_BYTES - 1) / PAGE_BYTES;
    smmu.strtab = d->alloc(st_pages, st_pages * PAGE_BYTES);
    smmu.cmdq = d->alloc(1, PAGE_BYTES);
    size_t evq_bytes = ((size_t)SMMU_EVT_DWORDS * 8) << smmu.eventq_log2;
    smmu.eventq = d->alloc((evq_bytes + PAGE_BYTES - 1) / PAGE_BYTES, evq_bytes < PAGE_BYTES ? PAGE_BYTES : evq_bytes);
    if (!smmu.strtab || !smmu.cmdq || !smmu.eventq)
        FAIL("out of memory for its tables");

    uint32_t cr1 =
        REG_FIELD(SMMU_CR1_WBWA, SMMU_CR1_QUEUE_IC_SHIFT) | REG_FIELD(SMMU_CR1_WBWA, SMMU_CR1_QUEUE_OC_SHIFT) |
        REG_FIELD(SMMU_CR1_ISH, SMMU_CR1_QUEUE_SH_SHIFT) | REG_FIELD(SMMU_CR1_WBWA, SMMU_CR1_TABLE_IC_SHIFT) |
        REG_FIELD(SMMU_CR1_WBWA, SMMU_CR1_TABLE_OC_SHIFT) | REG_FIELD(SMMU_CR1_ISH, SMMU_CR1_TABLE_SH_SHIFT);
    wr32(SMMU_CR1, cr1);
    wr32(SMMU_CR2, SMMU_CR2_RECINVSID | SMMU_CR2_PTM);
    wr64(SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_RA | ((uint64_t)(uintptr_t)smmu.strtab & SMMU_STRTAB_BASE_ADDR_MASK));
    wr32(SMMU_STRTAB_BASE_CFG, REG_FIELD(smmu.sid_bits, SMMU_STRTAB_CFG_LOG2SIZE_SHIFT) |
                                   REG_FIELD(smmu.two_level ? SPLIT : 0, SMMU_STRTAB_CFG_SPLIT_SHIFT) |
                                   REG_FIELD(smmu.two_level ? SMMU_STRTAB_CFG_FMT_2LVL : SMMU_STRTAB_CFG_FMT_LINEAR,
                                             SMMU_STRTAB_CFG_FMT_SHIFT));
    wr64(SMMU_CMDQ_BASE, SMMU_Q_BASE_ALLOC | ((uint64_t)(uintptr_t)smmu.cmdq & SMMU_Q_BASE_ADDR_MASK) |
                             REG_FIELD(smmu.cmdq_log2, SMMU_Q_BASE_LOG2SIZE_SHIFT));
    wr32(SMMU_CMDQ_PROD, 0);
    wr32(SMMU_CMDQ_CONS, 0);
    wr64(SMMU_EVENTQ_BASE, SMMU_Q_BASE_ALLOC | ((uint64_t)(uintptr_t)smmu.eventq & SMMU_Q_BASE_ADDR_MASK) |
                               REG_FIELD(smmu.eventq_log2, SMMU_Q_BASE_LOG2SIZE_SHIFT));
    wr32(SMMU_EVENTQ_PROD, 0);
    wr32(SMMU_EVENTQ_CONS, 0);
    smmu.cmdq_prod = 0;
    dsb_sy(); /* tables and queues zeroed in memory before the SMMU may read them */

    if (!write_cr0(SMMU_CR0_CMDQEN))
        FAIL("command queue did not start");
    smmu.present = true; /* from here on the command helpers run */
    spin_lock(&smmu.lock);
    cmd_push(SMMU_CMD_CFGI_ALL, SMMU_CMD_RANGE_ALL);
    cmd_push(SMMU_CMD_TLBI_NSNH_ALL, 0);
    cmd_sync_locked();
    spin_unlock(&smmu.lock);
    if (!write_cr0(SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN)) {
        smmu.present = false;
        FAIL("event queue did not start");
    }
    wr32(SMMU_IRQ_CTRL, SMMU_IRQ_CTRL_EVENTQ_IRQEN | SMMU_IRQ_CTRL_GERROR_IRQEN);
    wait_reg(SMMU_IRQ_CTRLACK, 0xffffffffu, SMMU_IRQ_CTRL_EVENTQ_IRQEN | SMMU_IRQ_CTRL_GERROR_IRQEN);
    /* Enabled: from now on a stream without a valid STE aborts (and is recorded). */
    if (!write_cr0(SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN | SMMU_CR0_SMMUEN)) {
        smmu.present = false;
        FAIL("SMMUEN not acknowledged");
    }
    return 0;
}

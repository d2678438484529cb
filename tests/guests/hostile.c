/* A hostile guest: random hypercalls, PSCI calls with bad targets and entry points, MMIO of
 * every size and alignment to every emulated device and to unmapped IPAs (including ISV=0
 * forms), random system-register reads, writes to trapped registers, set/way maintenance,
 * WFI/WFE floods, and a hostile virtio driver for every "virtio,mmio" device in its device
 * tree (see the virtio section below), all from a fixed seed. bootargs "seed=N count=M" set
 * both. Every act must end architecturally: a value, or an exception injected into this guest,
 * which it survives; a virtio device either completes what it was given, exactly, or enters
 * DEVICE_NEEDS_RESET having written nothing. With "until=C" it goes on after its count until
 * the character with code C arrives on its UART (a test stops it once a neighbour VM finished
 * its work), for at most ten minutes. It prints
 * "hostile: ops=N faults=F seed=S calls=.. mmio=.. sysreg=.. misc=.. virtio=..", a line of
 * virtio outcomes, and then GUEST DONE. */
#include "tests/guests/common/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic for a given seed. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t arg_value(const char *args, const char *key, uint64_t dflt)
{
    size_t kl = strlen(key);
    for (const char *p = args; p && *p; p++) {
        if ((p == args || p[-1] == ' ') && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            uint64_t v = 0;
            for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return dflt;
}

static uint64_t ram_base, ram_size, faults;
static uint64_t windows[16][2];
static unsigned nwindows;

/* Runs op with a fault expected or not: both outcomes are legitimate. */
#define GUARDED(stmt)          \
    do {                       \
        fault_expect();        \
        stmt;                  \
        if (fault_taken(0, 0)) \
            faults++;          \
    } while (0)

static bool terminal_call(uint32_t fid)
{
    uint32_t f = fid & ~0x40000000u;
    return f == 0x84000002 || f == 0x84000008 || f == 0x84000009 || f == 0x84000012 || f == 0x84000015;
}

static void op_call(void)
{
    uint32_t fid;
    switch (rnd() % 4) {
    case 0:
        fid = 0x84000000u | (uint32_t)(rnd() % 0x20);
        break; /* PSCI 32-bit */
    case 1:
        fid = 0xc4000000u | (uint32_t)(rnd() % 0x20);
        break; /* PSCI 64-bit */
    case 2:
        fid = 0x80000000u | (uint32_t)(rnd() & 0x7fff);
        break; /* arch calls */
    default:
        fid = (uint32_t)rnd();
        break;
    }
    if (terminal_call(fid))
        return;
    uint64_t a1 = rnd(), a2 = rnd(), a3 = rnd();
    if (rnd() % 2)
        a2 = ram_base + rnd() % ram_size; /* a plausible entry point */
    if (rnd() % 2)
        GUARDED(hvc_call(fid, a1, a2, a3));
    else
        GUARDED(smc_call(fid, a1, a2, a3));
}

static void mmio_access(uint64_t addr, unsigned size, bool write, uint64_t val)
{
    switch (size | (write ? 0x10 : 0)) {
    case 1:
        GUARDED((void)*(volatile uint8_t *)(uintptr_t)addr);
        break;
    case 2:
        GUARDED((void)*(volatile uint16_t *)(uintptr_t)addr);
        break;
    case 4:
        GUARDED((void)*(volatile uint32_t *)(uintptr_t)addr);
        break;
    case 8:
        GUARDED((void)*(volatile uint64_t *)(uintptr_t)addr);
        break;
    case 0x11:
        GUARDED(*(volatile uint8_t *)(uintptr_t)addr = (uint8_t)val);
        break;
    case 0x12:
        GUARDED(*(volatile uint16_t *)(uintptr_t)addr = (uint16_t)val);
        break;
    case 0x14:
        GUARDED(*(volatile uint32_t *)(uintptr_t)addr = (uint32_t)val);
        break;
    default:
        GUARDED(*(volatile uint64_t *)(uintptr_t)addr = val);
        break;
    }
}

static void op_mmio(void)
{
    unsigned size = 1u << (rnd() % 4);
    uint64_t addr;
    if (nwindows && rnd() % 4) {
        const uint64_t *w = windows[rnd() % nwindows];
        addr = w[0] + rnd() % w[1];
    } else {
        addr = rnd() & 0xffffffffffULL; /* anywhere in a 40-bit IPA space */
        if (addr >= ram_base && addr < ram_base + ram_size)
            addr += ram_size;
    }
    bool write = rnd() % 2;
    uint64_t val = rnd();
    if (write && (addr & 0xfff) == 0 && size == 1)
        val = 'a' + val % 26; /* UART data: printable, keep the log readable */
    if (rnd() % 4 == 0) {
        uint64_t a = addr & ~7ULL, x = rnd(), y = rnd();
        if (rnd() % 2)
            GUARDED(__asm__ volatile("stp %0, %1, [%2]" ::"r"(x), "r"(y), "r"(a) : "memory"));
        else
            GUARDED(__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(x), "=&r"(y) : "r"(a) : "memory"));
        return;
    }
    mmio_access(addr, size, write, val);
}

/* Self-modifying code: one instruction then RET, in a buffer that is cleaned to the point of
 * unification before it runs. */
static uint32_t insn_buf[4] __attribute__((aligned(64)));

static void run_insn(uint32_t insn)
{
    insn_buf[0] = insn;
    insn_buf[1] = 0xd65f03c0; /* ret */
    __asm__ volatile("dc cvau, %0; dsb ish; ic ivau, %0; dsb ish; isb" ::"r"(insn_buf) : "memory");
    GUARDED(__asm__ volatile("mov x0, %1; blr %0" ::"r"(insn_buf), "r"(rnd()) : "x0", "x30", "memory"));
}

/* MRS/MSR (Arm ARM C6.2): 1101 0101 00 L 1 o0 op1 CRn CRm op2 Rt, with op0 = 2 + o0. */
static uint32_t sysreg_insn(bool read, unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return 0xd5100000u | (read ? 1u << 21 : 0) | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) |
           (op2 << 5) | 0;
}

static void op_sysreg(void)
{
    unsigned op0 = 2 + rnd() % 2, op1 = rnd() % 8, crn = rnd() % 16, crm = rnd() % 16, op2 = rnd() % 8;
    if (rnd() % 2) {
        run_insn(sysreg_insn(true, op0, op1, crn, crm, op2)); /* any read */
        return;
    }
    /* Writes only where they trap to EL2 or are UNDEFINED, so the guest does not reprogram
     * its own MMU or vectors: ID registers, debug (op0=2), PMU, implementation defined. */
    switch (rnd() % 4) {
    case 0:
        run_insn(sysreg_insn(false, 3, 0, 0, rnd() % 8, op2));
        break;
    case 1:
        run_insn(sysreg_insn(false, 2, rnd() % 8, crn % 8, crm, op2));
        break;
    case 2:
        run_insn(sysreg_insn(false, 3, 3, 9, 12 + rnd() % 3, op2));
        break;
    default:
        run_insn(sysreg_insn(false, 3, op1, 15, crm, op2));
        break;
    }
}

/* SGI storm through the GICv3 system-register interface (ICC_SGI1R_EL1 = S3_0_C12_C11_5),
 * random targets, affinities and IRM; on GICv2 the GICD_SGIR writes come with the MMIO ops. */
static void op_sgi_storm(void)
{
    if (((sysreg_read(id_aa64pfr0_el1) >> 24) & 0xf) == 0)
        return;
    for (int i = 0; i < 16; i++)
        __asm__ volatile("msr s3_0_c12_c11_5, %0; isb" ::"r"(rnd()) : "memory");
}

static void op_misc(void)
{
    uint64_t v = rnd();
    switch (rnd() % 6) {
    case 5:
        op_sgi_storm();
        break;
    case 0:
        __asm__ volatile("dc isw, %0" ::"r"(v) : "memory");
        break;
    case 1:
        __asm__ volatile("dc cisw, %0" ::"r"(v) : "memory");
        break;
    case 2:
        for (int i = 0; i < 8; i++)
            __asm__ volatile("wfe");
        break;
    case 3: /* WFI sleeps until an interrupt: the virtual timer ends it after 100 us */
        sysreg_write(cntv_cval_el0, sysreg_read(cntvct_el0) + sysreg_read(cntfrq_el0) / 10000);
        sysreg_write(cntv_ctl_el0, 1);
        __asm__ volatile("isb; wfi");
        sysreg_write(cntv_ctl_el0, 0);
        break;
    default:
        __asm__ volatile("tlbi vmalle1is; dsb ish; isb" ::: "memory");
        break;
    }
}

/* ---- virtio: a hostile driver ---------------------------------------------------------------
 *
 * For a device picked at random: drive the virtio-mmio transport like a driver (reset,
 * ACKNOWLEDGE|DRIVER, features, FEATURES_OK, one queue, DRIVER_OK), with hostile choices on the
 * way (features the device did not offer, no VERSION_1, bad queue sizes, rings misaligned or
 * outside RAM, QueueReady before FEATURES_OK), then hand it rings built in this guest's RAM:
 * valid requests (checked to the byte), malformed chains (buffers outside RAM: IPA 0, MMIO,
 * the GIC, other VMs' host physical range, high IPAs; lengths wrapping 2^64; loops; chains
 * longer than 64; head and next beyond the queue; the available index far ahead; nested,
 * misaligned, NEXT-flagged and out-of-RAM indirect tables; readable after writable; zero-length
 * buffers outside RAM), and random garbage. After each notification the outcome must be clean:
 *
 *   - completed: the used ring returns the chains in order with the exact used lengths, the
 *     data is right (virtio-blk reads match what was written, a shadow of the disk window),
 *     and nothing else changed: every byte of the descriptor table, available ring, indirect
 *     tables and data area outside what the device may write is compared with a snapshot;
 *   - or DEVICE_NEEDS_RESET (Status bit 64) with the configuration-change interrupt
 *     (InterruptStatus bit 1), the chains before the bad one completed and nothing else
 *     written; the guest acknowledges, resets the device (Status 0) and starts again;
 *   - or nothing, where nothing is the right answer (receive queues without input, an empty
 *     notification).
 *
 * Also random register accesses of every size and alignment: only aligned 32-bit accesses to
 * the common registers, and aligned 8/16/32-bit ones to the configuration space, may succeed;
 * anything else must be an external abort, which the guest survives. Any departure from this
 * contract is counted as "unexpected" and fails the guest. Each device has its own arena
 * (rings, indirect tables, data) in the upper half of RAM, so a device's late writes (a frame
 * arriving in a receive buffer) never land in another device's buffers; the code, stack and
 * DTB stay in the lower half. */

#define VIO_MAGIC         0x000
#define VIO_VERSION       0x004
#define VIO_DEVICE_ID     0x008
#define VIO_VENDOR_ID     0x00c
#define VIO_DEV_FEAT      0x010
#define VIO_DEV_FEAT_SEL  0x014
#define VIO_DRV_FEAT      0x020
#define VIO_DRV_FEAT_SEL  0x024
#define VIO_QUEUE_SEL     0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM     0x038
#define VIO_QUEUE_READY   0x044
#define VIO_QUEUE_NOTIFY  0x050
#define VIO_INT_STATUS    0x060
#define VIO_INT_ACK       0x064
#define VIO_STATUS        0x070
#define VIO_DESC_LO       0x080
#define VIO_DESC_HI       0x084
#define VIO_DRIVER_LO     0x090
#define VIO_DRIVER_HI     0x094
#define VIO_DEVICE_LO     0x0a0
#define VIO_DEVICE_HI     0x0a4
#define VIO_CONFIG        0x100

#define ST_ACK         1u
#define ST_DRIVER      2u
#define ST_DRIVER_OK   4u
#define ST_FEATURES_OK 8u
#define ST_NEEDS_RESET 64u
#define ST_FAILED      128u
#define ST_LIVE        (ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK)

#define F_INDIRECT  (1ULL << 28)
#define F_EVENT_IDX (1ULL << 29)
#define F_VERSION_1 (1ULL << 32)

#define D_NEXT     1
#define D_WRITE    2
#define D_INDIRECT 4

#define VQ_MAX    256 /* QueueNumMax */
#define CHAIN_MAX 64  /* descriptors in a chain the device accepts */

/* One device's arena, at ram_base + ram_size / 2 + index * AR_SIZE. */
#define AR_DESC    0x00000
#define AR_AVAIL   0x01000
#define AR_USED    0x02000
#define AR_IND     0x04000 /* indirect tables, one per 4 KiB */
#define AR_NIND    12
#define AR_DATA    0x10000
#define AR_DATA_SZ 0x30000
#define AR_SIZE    0x40000
#define GUARD      64 /* canary bytes after the last buffer */

#define BLK_SHADOW_SECTORS 32 /* the disk window whose contents the guest tracks */
#define BLK_MAX_DEVS       2

enum { K_BLK, K_RNG, K_TX, K_RX }; /* what a request is, for its checks */

struct vdev {
    uint64_t base;
    uint32_t id; /* 1 net, 2 block, 3 console, 4 entropy */
    unsigned nq, index;
    uint64_t offered, drv; /* features offered, and accepted at the last setup */
    unsigned q, size;      /* the queue set up, its size */
    bool live;             /* queue ready and DRIVER_OK, as far as the guest knows */
    uint16_t avail_idx, used_seen;
    /* virtio-blk */
    uint64_t capacity; /* sectors */
    bool ro;
    uint64_t shadow_sector;
    uint8_t *shadow;
    uint32_t known; /* shadow sectors whose contents are known (bit per sector) */
    /* outcomes */
    uint64_t ops, completed, resets;
};

struct seg {
    uint64_t addr;
    uint32_t len;
    bool wr;
};

struct req {
    uint8_t kind; /* K_* */
    uint8_t blk_type, want_status;
    uint16_t first, n;     /* segs[first .. first + n) */
    uint16_t head, pstart; /* direct: its descriptors are perm[pstart .. pstart + n) */
    int table;             /* indirect table number, -1 for a direct chain */
    uint32_t want_len;     /* the used length the device must return */
    uint64_t blk_sector;   /* first sector of a read or write */
    uint32_t blk_len;      /* data bytes */
};

static struct vdev vdevs[8];
static unsigned nvdevs;
static uint8_t blk_shadows[BLK_MAX_DEVS][BLK_SHADOW_SECTORS * 512];
static unsigned nblk;
static uint64_t arena_base;
static uint8_t *ar, *snap; /* the current device's arena; the snapshot area */

#define SEGS_MAX 1024
static struct seg segs[SEGS_MAX];
static unsigned nsegs;
static struct req reqs[VQ_MAX];
static unsigned nreqs;
static uint16_t perm[VQ_MAX]; /* descriptor indexes in a random order */
static unsigned permpos, nind;
static uint32_t dtop; /* data area handed out */
static uint8_t epoch;
static uint8_t tmp[16384 + 64];

static struct {
    uint64_t ops, notifies, chains, completed, needs_reset, idle, feat_refused, ring_refused;
    uint64_t regs, reg_aborts, unexpected;
} vio;
static const char *vio_what = "";

static const char *vname(const struct vdev *v)
{
    static const char *const names[] = { "?", "net", "blk", "console", "rng" };
    return names[v->id < 5 ? v->id : 0];
}

static void vio_bad(const struct vdev *v, const char *what, uint64_t a, uint64_t b)
{
    vio.unexpected++;
    if (vio.unexpected <= 10)
        gprintf("\nhostile: virtio-%s@%lx: unexpected in %s: %s (0x%lx 0x%lx)\n", vname(v), (unsigned long)v->base,
                vio_what, what, (unsigned long)a, (unsigned long)b);
}

static uint32_t vr(const struct vdev *v, unsigned off) { return *(volatile uint32_t *)(uintptr_t)(v->base + off); }

static void vw(const struct vdev *v, unsigned off, uint32_t val)
{
    __asm__ volatile("dsb sy" ::: "memory");
    *(volatile uint32_t *)(uintptr_t)(v->base + off) = val;
}

static void vw64(const struct vdev *v, unsigned lo, uint64_t val)
{
    vw(v, lo, (uint32_t)val);
    vw(v, lo + 4, (uint32_t)(val >> 32));
}

static uint64_t ipa_of(unsigned off) { return (uint64_t)(uintptr_t)(ar + off); }
static volatile uint16_t *avail_ring(void) { return (volatile uint16_t *)(ar + AR_AVAIL); }
static uint16_t used_idx(void) { return *(volatile uint16_t *)(ar + AR_USED + 2); }
static uint32_t used_elem(const struct vdev *v, uint16_t i, unsigned word)
{
    return *(volatile uint32_t *)(ar + AR_USED + 4 + 8 * (i & (v->size - 1)) + 4 * word);
}

static bool in_ram(uint64_t addr, uint64_t len)
{
    uint64_t off = addr - ram_base;
    return addr >= ram_base && off < ram_size && len <= ram_size - off;
}

/* An address where [addr, addr + len) is not wholly inside this VM's RAM: IPA 0, the MMIO
 * windows of the DTB (the GIC, the UART, the virtio windows themselves), just below or
 * straddling the end of RAM, the range where the host keeps the other VMs' RAM (seen as IPAs),
 * high IPAs, and addresses whose end wraps past 2^64. Aligned down to `align`. */
static uint64_t outside_addr(uint64_t len, uint64_t align)
{
    uint64_t end = ram_base + ram_size, a;
    for (int tries = 0; tries < 8; tries++) {
        switch (rnd() % 9) {
        case 0:
            a = rnd() % 0x1000;
            break;
        case 1:
            a = nwindows ? windows[rnd() % nwindows][0] + rnd() % 0x1000 : 0;
            break;
        case 2:
            a = ram_base - 1 - rnd() % 0x10000;
            break;
        case 3:
            a = end - (len ? rnd() % len : 0);
            break; /* straddles the end */
        case 4:
            a = end + rnd() % 0x3e000000;
            break; /* other VMs' host RAM */
        case 5:
            a = (1ULL << (36 + rnd() % 28)) + (rnd() & 0xffffff);
            break;
        case 6:
            a = 0 - 1 - rnd() % 0x1000;
            break; /* wraps 2^64 */
        case 7:
            a = 0x08000000 + rnd() % 0x20000;
            break; /* the GIC on virt */
        default:
            a = rnd();
            break;
        }
        a &= ~(align - 1);
        if (!in_ram(a, len))
            return a;
    }
    return 0;
}

static uint8_t canary(uint32_t off) { return (uint8_t)(off * 0x9d + (off >> 7) + epoch); }

/* `len` bytes of the data area (canary-filled, with a random gap before): its IPA, or 0. */
static uint64_t dalloc(uint32_t len)
{
    uint32_t gap = rnd() % 4 == 0 ? (uint32_t)(rnd() % 16) : 0;
    if (len > AR_DATA_SZ || dtop + gap + len + GUARD > AR_DATA_SZ)
        return 0;
    uint32_t off = dtop + gap;
    for (uint32_t i = dtop; i < off + len; i++)
        ar[AR_DATA + i] = canary(i);
    dtop = off + len;
    return ipa_of(AR_DATA + off);
}

static bool add_seg(uint64_t addr, uint32_t len, bool wr)
{
    if (nsegs >= SEGS_MAX)
        return false;
    segs[nsegs++] = (struct seg){ addr, len, wr };
    return true;
}

/* `len` bytes in `pieces` segments (some may be empty): readable ones hold src (random bytes
 * when src is NULL), writable ones the canary. */
static bool add_buf(const uint8_t *src, uint32_t len, bool wr, unsigned pieces)
{
    uint32_t left = len, done = 0;
    if (!pieces)
        pieces = 1;
    for (unsigned i = 0; i < pieces; i++) {
        uint32_t n = i + 1 == pieces ? left : (uint32_t)(rnd() % (left + 1));
        if (i + 1 < pieces && rnd() % 2)
            n = left / (pieces - i); /* even pieces, half of the time */
        uint64_t a = dalloc(n);
        if (!a || !add_seg(a, n, wr))
            return false;
        if (!wr) {
            uint8_t *p = (uint8_t *)(uintptr_t)a;
            for (uint32_t k = 0; k < n; k++)
                p[k] = src ? src[done + k] : (uint8_t)rnd();
        }
        left -= n;
        done += n;
    }
    return true;
}

static uint32_t stream_len(const struct req *r, bool wr)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < r->n; i++)
        if (segs[r->first + i].wr == wr)
            n += segs[r->first + i].len;
    return n;
}

/* Bytes [off, off + len) of r's readable or writable stream: copied out to buf, or (buf NULL)
 * put back from the snapshot, once checked. */
static void stream_io(const struct req *r, bool wr, uint32_t off, uint32_t len, uint8_t *buf)
{
    for (unsigned i = 0; i < r->n && len; i++) {
        const struct seg *s = &segs[r->first + i];
        if (s->wr != wr)
            continue;
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint32_t n = s->len - off < len ? s->len - off : len;
        uint8_t *p = (uint8_t *)(uintptr_t)(s->addr + off);
        if (buf) {
            memcpy(buf, p, n);
            buf += n;
        } else {
            memcpy(p, snap + (p - ar), n);
        }
        len -= n;
        off = 0;
    }
}

/* An index at or beyond `n` (half of the time exactly n, the first one that is wrong). */
static uint16_t beyond(unsigned n) { return (uint16_t)(n + (rnd() % 2 ? 0 : rnd() % (0x10000 - n))); }

static struct req *new_req(uint8_t kind)
{
    if (nreqs >= VQ_MAX)
        return 0;
    struct req *r = &reqs[nreqs];
    *r = (struct req){ .kind = kind, .first = (uint16_t)nsegs, .table = -1 };
    return r;
}

static void end_req(struct req *r) { r->n = (uint16_t)(nsegs - r->first); }

/* Splits `total` segments between two streams that need at least min_a and min_b. */
static unsigned split_segs(unsigned total, unsigned *b)
{
    unsigned a = total / 2 ? 1 + (unsigned)(rnd() % (total - 1)) : 1;
    *b = total - a;
    return a;
}

/* virtio-blk (5.2.6): readable header (type, reserved, sector) and OUT data, then writable IN
 * data and the status byte. variant: 0 read, 1 write, 2 flush, 3 get-id, 4 unknown type,
 * 5 beyond the disk, 6 not whole sectors, 7 header too short, 8 no status byte (7 and 8 make
 * the device need reset). nseg: segments wanted (0: a few). */
static bool build_blk(struct vdev *v, struct req *r, int variant, unsigned nseg)
{
    uint32_t type = 0, dlen = 0;
    uint64_t sector = 0;
    bool out = false;
    r->want_status = 0;
    switch (variant) {
    case 0:
    case 1: {
        out = variant == 1;
        uint32_t nsec = 1 + (uint32_t)(rnd() % (rnd() % 4 ? 4 : BLK_SHADOW_SECTORS));
        if (rnd() % 4) { /* in the window the guest keeps a copy of */
            uint32_t rel = (uint32_t)(rnd() % BLK_SHADOW_SECTORS);
            if (rel + nsec > BLK_SHADOW_SECTORS)
                nsec = BLK_SHADOW_SECTORS - rel;
            sector = v->shadow_sector + rel;
        } else {
            sector = rnd() % 4 ? rnd() % (v->capacity - nsec + 1) : v->capacity - nsec; /* the end */
        }
        r->blk_sector = sector;
        dlen = nsec * 512;
        type = out ? 1 : 0;
        if (out && v->ro)
            r->want_status = 1; /* VIRTIO_BLK_S_IOERR: read-only */
        break;
    }
    case 2:
        type = 4;
        break;
    case 3:
        type = 8;
        dlen = 1 + (uint32_t)(rnd() % 40);
        break;
    case 4:
        do
            type = (uint32_t)rnd();
        while (type == 0 || type == 1 || type == 4 || type == 8);
        dlen = (uint32_t)(rnd() % 600);
        out = rnd() % 2;
        r->want_status = 2; /* VIRTIO_BLK_S_UNSUPP */
        break;
    case 5:
    case 6: {
        out = rnd() % 2;
        type = out ? 1 : 0;
        uint32_t nsec = 1 + (uint32_t)(rnd() % 8);
        dlen = nsec * 512;
        if (variant == 6) {
            sector = rnd() % (v->capacity - nsec);
            uint32_t odd = 1 + (uint32_t)(rnd() % 511);
            dlen = rnd() % 2 ? dlen + odd : dlen - odd;
        } else {
            switch (rnd() % 4) {
            case 0:
                sector = v->capacity - nsec + 1 + (rnd() % 2 ? 0 : rnd() % 64);
                break;
            case 1:
                sector = ~0ULL - rnd() % 16;
                break;
            case 2:
                sector = (~0ULL / 512) + 1 + rnd() % 4;
                break; /* sector * 512 wraps */
            default:
                sector = v->capacity + rnd();
                if (sector < v->capacity)
                    sector = ~0ULL;
                break;
            }
        }
        r->want_status = 1; /* VIRTIO_BLK_S_IOERR, and no data moves */
        break;
    }
    default:
        type = (uint32_t)(rnd() % 2);
        dlen = (uint32_t)(rnd() % 1024);
        out = type == 1;
        break;
    }
    r->blk_type = (uint8_t)type;
    r->blk_len = dlen;
    /* Readable stream: header, then OUT data. */
    uint32_t rlen = 16 + (out ? dlen : 0), wlen = (out ? 0 : dlen) + 1;
    for (unsigned i = 0; i < 4; i++) {
        tmp[i] = (uint8_t)(type >> (8 * i));
        tmp[4 + i] = (uint8_t)rnd();
    }
    for (unsigned i = 0; i < 8; i++)
        tmp[8 + i] = (uint8_t)(sector >> (8 * i));
    for (uint32_t i = 16; i < rlen; i++)
        tmp[i] = (uint8_t)rnd();
    if (variant == 7)
        rlen = (uint32_t)(rnd() % 16);
    if (variant == 8)
        wlen = 0;
    unsigned rp, wp;
    if (nseg)
        rp = split_segs(nseg, &wp);
    else {
        rp = 1 + (unsigned)(rnd() % 3);
        wp = 1 + (unsigned)(rnd() % 3);
    }
    if (!add_buf(tmp, rlen, false, rp) || !add_buf(0, wlen, true, wp))
        return false;
    end_req(r);
    if (variant == 3)
        r->want_len = (dlen < 20 ? dlen : 20) + 1;
    else
        r->want_len = (!out && r->want_status == 0 ? dlen : 0) + 1;
    return true;
}

/* virtio-rng: device-writable buffers, optionally after readable ones (ignored). */
static bool build_rng(struct req *r, unsigned nseg)
{
    uint32_t len = 1 + (uint32_t)(rnd() % (rnd() % 4 ? 256 : 6000));
    unsigned rp = 0, wp = nseg ? nseg : 1 + (unsigned)(rnd() % 4);
    if (!nseg && rnd() % 4 == 0)
        rp = 1 + (unsigned)(rnd() % 2);
    if (rp && !add_buf(0, (uint32_t)(rnd() % 32), false, rp))
        return false;
    if (!add_buf(0, len, true, wp))
        return false;
    end_req(r);
    r->want_len = len < 4096 ? len : 4096;
    return true;
}

/* virtio-console transmitq0: text (readable); writable buffers after it are left alone. */
static uint64_t vc_count;
static bool build_console_tx(struct req *r, unsigned nseg)
{
    uint32_t len;
    if (rnd() % 512 == 0) { /* more than one notification may print (4 KiB) */
        len = 4096 + (uint32_t)(rnd() % 2000);
        len = len > sizeof(tmp) ? sizeof(tmp) : len;
        for (uint32_t i = 0; i < len; i++)
            tmp[i] = i % 80 == 79 ? '\n' : '~';
    } else {
        vc_count++;
        len = (uint32_t)ev_snprintf((char *)tmp, 24, "vc%lu%s", (unsigned long)vc_count, vc_count % 16 ? " " : "\n");
    }
    unsigned rp = nseg ? nseg : 1 + (unsigned)(rnd() % 3);
    if (!add_buf(tmp, len, false, rp))
        return false;
    if (!nseg && rnd() % 4 == 0 && !add_buf(0, (uint32_t)(rnd() % 64), true, 1))
        return false;
    end_req(r);
    r->want_len = 0;
    return true;
}

/* virtio-net transmitq0: the 12-byte virtio_net_hdr, then a frame: broadcast, multicast or
 * unknown unicast, from invented source addresses; runts and giants are dropped by the switch
 * but the chain still completes. variant 1: no room for the header (the device needs reset). */
static bool build_net_tx(struct req *r, unsigned nseg, int variant)
{
    uint32_t flen;
    switch (rnd() % 8) {
    case 0:
        flen = (uint32_t)(rnd() % 14);
        break;
    case 1:
        flen = 1515 + (uint32_t)(rnd() % 1000);
        break;
    default:
        flen = 14 + (uint32_t)(rnd() % 1501);
        break;
    }
    uint32_t len = 12 + flen;
    memset(tmp, 0, 12);
    for (uint32_t i = 12; i < len; i++)
        tmp[i] = (uint8_t)rnd();
    uint8_t *f = tmp + 12;
    if (flen >= 14) {
        switch (rnd() % 4) {
        case 0:
        case 1:
            memset(f, 0xff, 6);
            break; /* broadcast */
        case 2:
            f[0] = 0x01;
            f[1] = 0x00;
            f[2] = 0x5e;
            break;
        default:
            f[0] = 0x02;
            break; /* unknown unicast: flooded */
        }
        f[6] = rnd() % 16 ? 0x02 : 0x03; /* locally administered; sometimes a group */
        f[12] = 0x88;                    /* EtherType 0x88b5: local experimental */
        f[13] = 0xb5;
    }
    if (variant == 1)
        len = (uint32_t)(rnd() % 12);
    if (!add_buf(tmp, len, false, nseg ? nseg : 1 + (unsigned)(rnd() % 3)))
        return false;
    end_req(r);
    r->want_len = 0;
    return true;
}

/* A receive queue (console receiveq0, net receiveq0): writable buffers for input or frames. */
static bool build_rx(struct vdev *v, struct req *r, unsigned nseg)
{
    uint32_t len = v->id == 1 ? 12 + 1514 + (uint32_t)(rnd() % 64) : 1 + (uint32_t)(rnd() % 128);
    if (!add_buf(0, len, true, nseg ? nseg : 1 + (unsigned)(rnd() % 3)))
        return false;
    end_req(r);
    return true;
}

static bool rx_queue(const struct vdev *v) { return (v->id == 1 || v->id == 3) && v->q == 0; }

/* A request the device must complete. nseg: exact number of segments (0: a few). */
static struct req *build_valid(struct vdev *v, unsigned nseg)
{
    struct req *r;
    bool ok;
    if (rx_queue(v)) {
        r = new_req(K_RX);
        ok = r && build_rx(v, r, nseg);
    } else if (v->id == 2) {
        r = new_req(K_BLK);
        int variant = (int)(rnd() % 16);
        variant = variant < 6 ? 0 : variant < 11 ? 1 : variant - 9; /* mostly reads, writes */
        if (nseg && nseg < 2)
            return 0;
        ok = r && build_blk(v, r, variant, nseg);
    } else if (v->id == 4) {
        r = new_req(K_RNG);
        ok = r && build_rng(r, nseg);
    } else if (v->id == 3) {
        r = new_req(K_TX);
        ok = r && build_console_tx(r, nseg);
    } else {
        r = new_req(K_TX);
        ok = r && build_net_tx(r, nseg, 0);
    }
    if (!ok)
        return 0;
    nreqs++;
    return r;
}

static void put_desc(uint8_t *p, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    } d = { addr, len, flags, next };
    memcpy(p, &d, sizeof(d));
}

static uint8_t *desc_at(unsigned i) { return ar + AR_DESC + 16 * i; }

/* Writes r's descriptors: a direct chain through the table in random index order, or one
 * indirect descriptor and a table (at a random, possibly unaligned, place in its slot). */
static bool place(struct vdev *v, struct req *r, bool indirect)
{
    if (indirect) {
        if (permpos >= v->size || nind >= AR_NIND || r->n > VQ_MAX)
            return false;
        uint8_t *t = ar + AR_IND + 0x1000 * nind + (rnd() % 4 == 0 ? rnd() % 16 : 0);
        if (r->n > 255)
            t = ar + AR_IND + 0x1000 * nind;
        for (unsigned i = 0; i < r->n; i++) {
            const struct seg *s = &segs[r->first + i];
            bool more = i + 1 < r->n;
            put_desc(t + 16 * i, s->addr, s->len, (uint16_t)((s->wr ? D_WRITE : 0) | (more ? D_NEXT : 0)),
                     more ? (uint16_t)(i + 1) : (uint16_t)rnd());
        }
        r->table = (int)nind++;
        r->head = perm[permpos++];
        put_desc(desc_at(r->head), (uint64_t)(uintptr_t)t, 16 * r->n, D_INDIRECT, (uint16_t)rnd());
        return true;
    }
    if (!r->n || v->size - permpos < r->n)
        return false;
    r->pstart = (uint16_t)permpos;
    for (unsigned i = 0; i < r->n; i++) {
        const struct seg *s = &segs[r->first + i];
        bool more = i + 1 < r->n;
        put_desc(desc_at(perm[permpos + i]), s->addr, s->len, (uint16_t)((s->wr ? D_WRITE : 0) | (more ? D_NEXT : 0)),
                 more ? perm[permpos + i + 1] : (uint16_t)rnd()); /* no NEXT: next ignored */
    }
    r->head = perm[permpos];
    permpos += r->n;
    return true;
}

static bool place_any(struct vdev *v, struct req *r)
{
    bool ind = (v->drv & F_INDIRECT) && (rnd() % 3 == 0 || v->size - permpos < r->n);
    return place(v, r, ind);
}

/* Where descriptor `k` of r is: in the table or in its indirect table. */
static uint8_t *req_desc(struct vdev *v, const struct req *r, unsigned k)
{
    if (r->table < 0)
        return desc_at(perm[r->pstart + k]);
    uint64_t t;
    memcpy(&t, desc_at(r->head), 8);
    return (uint8_t *)(uintptr_t)t + 16 * k;
}

static void set_next(uint8_t *d, uint16_t next)
{
    uint16_t flags;
    memcpy(&flags, d + 12, 2);
    flags |= D_NEXT;
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static void attack_reset(struct vdev *v)
{
    for (unsigned i = 0; i < v->size; i++)
        perm[i] = (uint16_t)i;
    for (unsigned i = v->size; i > 1; i--) {
        unsigned j = (unsigned)(rnd() % i);
        uint16_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    permpos = nind = 0;
    nsegs = nreqs = 0;
    dtop = 0;
    epoch++;
}

static void publish(struct vdev *v, const struct req *r)
{
    avail_ring()[2 + (v->avail_idx & (v->size - 1))] = r->head;
    v->avail_idx++;
}

/* Resets a device after DEVICE_NEEDS_RESET (or whenever): acknowledge, Status 0, and check
 * that everything is back to its reset values. */
static void vio_reset(struct vdev *v)
{
    uint32_t isr = vr(v, VIO_INT_STATUS);
    vw(v, VIO_INT_ACK, isr);
    if (vr(v, VIO_INT_STATUS) & isr)
        vio_bad(v, "InterruptACK left bits set", isr, vr(v, VIO_INT_STATUS));
    vw(v, VIO_STATUS, 0);
    vw(v, VIO_QUEUE_SEL, v->q);
    uint32_t st = vr(v, VIO_STATUS), ready = vr(v, VIO_QUEUE_READY);
    isr = vr(v, VIO_INT_STATUS);
    if (st || ready || isr)
        vio_bad(v, "not reset by Status 0", st | ready << 8, isr);
    v->live = false;
}

/* After a refusal: NEEDS_RESET with the configuration interrupt, then reset. */
static void expect_needs_reset(struct vdev *v, const char *what)
{
    uint32_t st = vr(v, VIO_STATUS), isr = vr(v, VIO_INT_STATUS);
    if (!(st & ST_NEEDS_RESET) || !(isr & 2))
        vio_bad(v, what, st, isr);
    else
        vio.needs_reset++, v->resets++;
    vio_reset(v);
}

static uint64_t read_features(const struct vdev *v)
{
    vw(v, VIO_DEV_FEAT_SEL, 0);
    uint64_t f = vr(v, VIO_DEV_FEAT);
    vw(v, VIO_DEV_FEAT_SEL, 1);
    return f | (uint64_t)vr(v, VIO_DEV_FEAT) << 32;
}

static void write_features(const struct vdev *v, uint64_t f)
{
    vw(v, VIO_DRV_FEAT_SEL, 0);
    vw(v, VIO_DRV_FEAT, (uint32_t)f);
    vw(v, VIO_DRV_FEAT_SEL, 1);
    vw(v, VIO_DRV_FEAT, (uint32_t)(f >> 32));
    if (rnd() % 8 == 0) { /* selectors beyond 1 are ignored */
        vw(v, VIO_DRV_FEAT_SEL, 2 + (uint32_t)(rnd() % 1000));
        vw(v, VIO_DRV_FEAT, (uint32_t)rnd());
    }
}

static uint32_t bad_queue_size(void)
{
    static const uint32_t sizes[] = { 0,   3,   5,   6,    7,      12,      100,     255,
                                      257, 384, 512, 1024, 0x8000, 0x10000, 0x10010, 0xffffffff };
    return rnd() % 4 ? sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))] : (uint32_t)rnd();
}

static bool pow2_le_256(uint32_t n) { return n && n <= VQ_MAX && !(n & (n - 1)); }

/* Drives v up to DRIVER_OK with queue q ready, or into a refusal (counted, then reset).
 * True when the queue is live. */
static bool vio_setup(struct vdev *v, unsigned q)
{
    vio_what = "setup";
    v->live = false;
    v->q = q;
    vw(v, VIO_STATUS, 0);
    uint32_t st = vr(v, VIO_STATUS), isr = vr(v, VIO_INT_STATUS);
    if (st || isr)
        vio_bad(v, "Status 0 left status or interrupt bits", st, isr);
    vw(v, VIO_STATUS, ST_ACK);
    vw(v, VIO_STATUS, ST_ACK | ST_DRIVER);
    uint64_t f = read_features(v);
    if (f != v->offered)
        vio_bad(v, "offered features changed", f, v->offered);
    if (rnd() % 8 == 0) {
        vw(v, VIO_DEV_FEAT_SEL, 2 + (uint32_t)rnd() % 0x10000);
        if (vr(v, VIO_DEV_FEAT))
            vio_bad(v, "features beyond bit 63", vr(v, VIO_DEV_FEAT), 0);
    }
    uint64_t drv = f;
    switch (rnd() % 24) {
    case 0: { /* a feature the device did not offer */
        uint64_t b;
        do
            b = 1ULL << (rnd() % 64);
        while (b & f);
        drv |= b;
        break;
    }
    case 1:
        drv &= ~F_VERSION_1;
        break; /* legacy: there is no such interface */
    case 2:
        drv = rnd();
        break;
    case 3:
        drv &= ~F_INDIRECT;
        break;
    case 4:
        drv &= ~F_EVENT_IDX;
        break;
    case 5:
        drv &= ~(F_INDIRECT | F_EVENT_IDX);
        break;
    case 6:
        drv = F_VERSION_1 | (rnd() & f);
        break;
    default:
        break;
    }
    write_features(v, drv);
    vw(v, VIO_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
    st = vr(v, VIO_STATUS);
    bool want = !(drv & ~f) && (drv & F_VERSION_1);
    if (!!(st & ST_FEATURES_OK) != want)
        vio_bad(v, "FEATURES_OK for features", drv, st);
    uint64_t desc = ipa_of(AR_DESC), avail = ipa_of(AR_AVAIL), used = ipa_of(AR_USED);
    if (!(st & ST_FEATURES_OK)) {
        vio.feat_refused++;
        if (rnd() % 2) { /* carry on regardless: QueueReady without FEATURES_OK */
            vw(v, VIO_QUEUE_SEL, q);
            vw(v, VIO_QUEUE_NUM, 8);
            vw64(v, VIO_DESC_LO, desc);
            vw64(v, VIO_DRIVER_LO, avail);
            vw64(v, VIO_DEVICE_LO, used);
            vw(v, VIO_QUEUE_READY, 1);
            if (vr(v, VIO_QUEUE_READY))
                vio_bad(v, "queue ready without FEATURES_OK", 0, 0);
            expect_needs_reset(v, "QueueReady without FEATURES_OK");
        } else {
            vw(v, VIO_STATUS, ST_ACK | ST_DRIVER | ST_FAILED);
        }
        return false;
    }
    if (rnd() % 8 == 0) /* too late: features are fixed now */
        write_features(v, rnd());
    v->drv = drv;
    if (rnd() % 8 == 0) { /* a queue the device does not have */
        uint32_t bq = rnd() % 2 ? v->nq + (uint32_t)(rnd() % 8) : (uint32_t)rnd();
        if (bq < v->nq)
            bq = v->nq;
        vw(v, VIO_QUEUE_SEL, bq);
        vw(v, VIO_QUEUE_NUM, 16);
        vw64(v, VIO_DESC_LO, desc);
        vw(v, VIO_QUEUE_READY, 1);
        if (vr(v, VIO_QUEUE_NUM_MAX) || vr(v, VIO_QUEUE_READY) || (vr(v, VIO_STATUS) & ST_NEEDS_RESET))
            vio_bad(v, "queue beyond the device's", bq, vr(v, VIO_STATUS));
    }
    vw(v, VIO_QUEUE_SEL, q);
    if (vr(v, VIO_QUEUE_NUM_MAX) != VQ_MAX || vr(v, VIO_QUEUE_READY))
        vio_bad(v, "QueueNumMax / QueueReady", vr(v, VIO_QUEUE_NUM_MAX), vr(v, VIO_QUEUE_READY));
    uint32_t num = 1u << (rnd() % 9);
    const char *refusal = 0;
    switch (rnd() % 40) {
    case 0:
        num = bad_queue_size();
        refusal = "bad queue size";
        break;
    case 1:
        desc += 1 + rnd() % 15;
        refusal = "misaligned descriptor table";
        break;
    case 2:
        avail += 1;
        refusal = "misaligned available ring";
        break;
    case 3:
        used += 1 + rnd() % 3;
        refusal = "misaligned used ring";
        break;
    case 4:
        desc = outside_addr(16 * num, 16);
        refusal = "descriptor table outside RAM";
        break;
    case 5:
        avail = outside_addr(6 + 2 * num, 2);
        refusal = "available ring outside RAM";
        break;
    case 6:
        used = outside_addr(6 + 8 * num, 4);
        refusal = "used ring outside RAM";
        break;
    case 7: /* straddles the end of RAM */
        used = (ram_base + ram_size - 8 * num) & ~3ULL;
        refusal = "used ring across the end of RAM";
        break;
    default:
        break;
    }
    if (refusal && pow2_le_256(num) && in_ram(desc, 16 * num) && in_ram(avail, 6 + 2 * num) &&
        in_ram(used, 6 + 8 * num) && !(desc & 15) && !(avail & 1) && !(used & 3))
        refusal = 0; /* the random choice happened to be valid */
    uint16_t start = rnd() % 4 ? 0 : rnd() % 2 ? (uint16_t)(0 - 1 - rnd() % 8) : (uint16_t)rnd();
    if (!refusal) {
        memset(ar + AR_AVAIL, 0, 6 + 2 * VQ_MAX);
        memset(ar + AR_USED, 0, 6 + 8 * VQ_MAX);
        avail_ring()[1] = start; /* the device starts from the used index it finds */
        *(volatile uint16_t *)(ar + AR_USED + 2) = start;
    }
    vw(v, VIO_QUEUE_NUM, num);
    vw64(v, VIO_DESC_LO, desc);
    vw64(v, VIO_DRIVER_LO, avail);
    vw64(v, VIO_DEVICE_LO, used);
    vw(v, VIO_QUEUE_READY, 1);
    uint32_t ready = vr(v, VIO_QUEUE_READY);
    if (refusal) {
        vio_what = refusal;
        if (ready)
            vio_bad(v, "queue accepted", desc, used);
        vio.ring_refused++;
        expect_needs_reset(v, "no NEEDS_RESET");
        return false;
    }
    if (ready != 1 || (vr(v, VIO_STATUS) & ST_NEEDS_RESET)) {
        vio_bad(v, "valid queue refused", num, vr(v, VIO_STATUS));
        vio_reset(v);
        return false;
    }
    if (rnd() % 16 == 0) { /* setup registers are ignored while ready */
        vw(v, VIO_QUEUE_NUM, 3);
        vw64(v, VIO_DESC_LO, outside_addr(16, 16));
        vw64(v, VIO_DEVICE_LO, 1);
    }
    if (rnd() % 16 == 0) { /* disabled and enabled again, same rings */
        vw(v, VIO_QUEUE_READY, 0);
        if (vr(v, VIO_QUEUE_READY))
            vio_bad(v, "QueueReady 0 ignored", 0, 0);
        vw(v, VIO_QUEUE_READY, 1);
        if (vr(v, VIO_QUEUE_READY) != 1)
            vio_bad(v, "queue not enabled again", vr(v, VIO_STATUS), 0);
    }
    vw(v, VIO_STATUS, ST_LIVE);
    if (vr(v, VIO_STATUS) != ST_LIVE)
        vio_bad(v, "DRIVER_OK", vr(v, VIO_STATUS), 0);
    v->size = num;
    v->avail_idx = v->used_seen = start;
    v->live = true;
    return true;
}

/* Whether v is still as the guest left it: random MMIO (op_mmio, vio_regs) may have reset it,
 * disabled the queue or added status bits. */
static bool vio_still_live(struct vdev *v)
{
    if (!v->live)
        return false;
    vw(v, VIO_QUEUE_SEL, v->q);
    if (vr(v, VIO_STATUS) != ST_LIVE || vr(v, VIO_QUEUE_READY) != 1 || used_idx() != v->used_seen ||
        avail_ring()[1] != v->avail_idx)
        v->live = false;
    return v->live;
}

/* Copies what the device may not change into the snapshot (same offsets as the arena). */
static void snapshot(const struct vdev *v, bool data)
{
    memcpy(snap + AR_DESC, ar + AR_DESC, 16 * v->size);
    memcpy(snap + AR_AVAIL, ar + AR_AVAIL, 6 + 2 * v->size);
    memcpy(snap + AR_IND, ar + AR_IND, 0x1000 * nind);
    if (data)
        memcpy(snap + AR_DATA, ar + AR_DATA, dtop + GUARD);
}

static void compare(struct vdev *v, bool data)
{
    static const struct {
        uint32_t off;
        const char *what;
    } areas[] = {
        { AR_DESC, "descriptor table" },
        { AR_AVAIL, "available ring" },
        { AR_IND, "indirect table" },
        { AR_DATA, "data outside the buffers it may write" },
    };
    uint32_t len[4] = { 16 * v->size, 6 + 2 * v->size, 0x1000 * nind, data ? dtop + GUARD : 0 };
    for (unsigned a = 0; a < 4; a++) {
        const uint8_t *x = ar + areas[a].off, *y = snap + areas[a].off;
        for (uint32_t i = 0; i < len[a]; i++)
            if (x[i] != y[i]) {
                vio_bad(v, areas[a].what, i, x[i]);
                memcpy(ar + areas[a].off, y, len[a]);
                break;
            }
    }
}

/* Checks completed chain r (used length, data) and puts back from the snapshot the bytes the
 * device was allowed to write, so that compare() sees everything else unchanged. */
static void check_done(struct vdev *v, struct req *r, uint32_t len)
{
    uint32_t win = stream_len(r, true);
    if (r->kind == K_RX) {
        if (len > win)
            vio_bad(v, "used length beyond the buffers", len, win);
        return;
    }
    if (len != r->want_len) {
        vio_bad(v, "used length", len, r->want_len);
        return;
    }
    if (r->kind == K_BLK) {
        uint8_t status = 0xee;
        stream_io(r, true, win - 1, 1, &status);
        if (status != r->want_status)
            vio_bad(v, "virtio-blk status", status, r->want_status | (uint64_t)r->blk_type << 8);
        /* The sectors of the window it covers, in the order the device served the chains:
         * a write's data is what they hold now; a read must return it (or teaches it). */
        for (uint32_t k = 0; status == 0 && r->blk_type < 2 && k < r->blk_len / 512; k++) {
            uint64_t sec = r->blk_sector + k;
            if (sec < v->shadow_sector || sec - v->shadow_sector >= BLK_SHADOW_SECTORS)
                continue;
            uint32_t bit = 1u << (sec - v->shadow_sector);
            uint8_t *sh = v->shadow + (sec - v->shadow_sector) * 512;
            if (r->blk_type == 1) {
                stream_io(r, false, 16 + k * 512, 512, sh);
                v->known |= bit;
                continue;
            }
            stream_io(r, true, k * 512, 512, tmp);
            if (!(v->known & bit)) {
                memcpy(sh, tmp, 512);
                v->known |= bit;
            } else if (memcmp(tmp, sh, 512)) {
                vio_bad(v, "virtio-blk read back other data", sec, k);
                break;
            }
        }
        if (status == 0 && r->blk_type == 8) {
            static const char id[] = "elvisor-hostile";
            uint32_t n = len - 1;
            stream_io(r, true, 0, n, tmp);
            if (memcmp(tmp, id, n < sizeof(id) - 1 ? n : sizeof(id) - 1))
                vio_bad(v, "virtio-blk serial", tmp[0], n);
        }
        stream_io(r, true, win - 1, 1, 0);
        stream_io(r, true, 0, len - 1, 0);
    } else {
        stream_io(r, true, 0, len, 0);
    }
}

enum {
    A_VALID,
    A_FULL,
    A_MAX64,
    A_ADDR,
    A_WRAP,
    A_LOOP,
    A_LONG,
    A_HEAD,
    A_NEXT,
    A_AHEAD,
    A_IND,
    A_IND_NOFEAT,
    A_RW,
    A_ZERO,
    A_SEM,
    A_CHAOS,
    A_IDLE,
    A_NR
};
static const char *const attack_names[A_NR] = {
    "valid requests",          "a full ring",
    "a chain of 64",           "a buffer outside RAM",
    "a length wrapping 2^64",  "a descriptor loop",
    "a chain longer than 64",  "a head beyond the queue",
    "a next beyond the queue", "the available index far ahead",
    "a bad indirect table",    "indirect without the feature",
    "readable after writable", "an empty buffer outside RAM",
    "a malformed request",     "garbage rings",
    "an empty notification",
};

/* For the summary: rounds of each kind. */
static const char *const attack_short[A_NR] = {
    "valid", "full",     "max64",  "outside", "wrap", "loop",      "long",    "head",  "next",
    "ahead", "indirect", "nofeat", "rw",      "zero", "malformed", "garbage", "empty",
};
static uint64_t attack_count[A_NR];

static int pick_attack(const struct vdev *v)
{
    static const uint8_t table[] = {
        A_VALID,      A_VALID, A_VALID, A_VALID, A_VALID, A_VALID, A_VALID, A_VALID, A_VALID, A_VALID, A_FULL,
        A_MAX64,      A_ADDR,  A_ADDR,  A_WRAP,  A_LOOP,  A_LONG,  A_HEAD,  A_NEXT,  A_AHEAD, A_IND,   A_IND,
        A_IND_NOFEAT, A_RW,    A_ZERO,  A_SEM,   A_CHAOS, A_CHAOS, A_IDLE,  A_ADDR,  A_LOOP,  A_NEXT,
    };
    int a = table[rnd() % sizeof(table)];
    if (a == A_IND && !(v->drv & F_INDIRECT))
        a = A_IND_NOFEAT;
    else if (a == A_IND_NOFEAT && (v->drv & F_INDIRECT))
        a = A_IND;
    if (a == A_SEM && v->id != 2 && !(v->id == 1 && v->q == 1))
        a = A_ADDR;
    if (a == A_MAX64 && v->size < CHAIN_MAX && !(v->drv & F_INDIRECT))
        a = A_VALID;
    if (a == A_LONG && v->size <= CHAIN_MAX && !(v->drv & F_INDIRECT))
        a = A_LOOP;
    return a;
}

/* Garbage: random descriptors (into the data area or outside RAM, any flags, any next) and
 * random ring entries. Returns how many chains were made available. */
static unsigned build_chaos(struct vdev *v)
{
    /* What the console prints of it: dashes, at most 4 KiB of them. */
    uint32_t area = v->id == 3 ? 0x1000 : AR_DATA_SZ;
    if (v->id == 3)
        memset(ar + AR_DATA, '-', area);
    for (unsigned i = 0; i < v->size; i++) {
        uint32_t off = (uint32_t)(rnd() % area);
        uint64_t addr = rnd() % 4 ? ipa_of(AR_DATA + off) : outside_addr(16, 1);
        uint32_t len = rnd() % 8 ? (uint32_t)(rnd() % (area - off)) : (uint32_t)rnd();
        if (rnd() % 4 == 0 || v->id == 3)
            len &= 0x3f0;
        put_desc(desc_at(i), addr, len, (uint16_t)(rnd() % 8), (uint16_t)(rnd() % (v->size + 4)));
    }
    unsigned n = 1 + (unsigned)(rnd() % v->size);
    for (unsigned k = 0; k < n; k++)
        avail_ring()[2 + ((v->avail_idx + k) & (v->size - 1))] = (uint16_t)(rnd() % (v->size + 2));
    v->avail_idx = (uint16_t)(v->avail_idx + n);
    dtop = AR_DATA_SZ - GUARD; /* the whole data area is fair game */
    return n;
}

/* Spoils request r (the last one built, not placed yet) at the segment level: a buffer outside
 * RAM, a length wrapping 2^64 or running past the end of RAM, an empty buffer outside RAM, a
 * readable buffer after a writable one. False if it could not. */
static bool spoil_segments(struct req *r, int a)
{
    struct seg *s = &segs[r->first + (unsigned)(rnd() % r->n)];
    bool last_wr = segs[nsegs - 1].wr;
    switch (a) {
    case A_ADDR:
        s->addr = outside_addr(s->len, 1);
        return true;
    case A_WRAP:
        if (rnd() % 2) {
            if (s->len < 2)
                s->len = 2 + (uint32_t)(rnd() % 4096);
            s->addr = 0 - 1 - rnd() % (s->len - 1); /* addr + len wraps past 2^64 */
        } else {                                    /* from inside RAM past its end */
            s->len = (uint32_t)(ram_size - (s->addr - ram_base)) + 1 + (uint32_t)(rnd() % 0x1000);
            if (rnd() % 2)
                s->len = 0xffffffffu - (uint32_t)(rnd() % 16);
        }
        return true;
    case A_ZERO:
        if (nsegs >= SEGS_MAX)
            return false;
        segs[nsegs++] = (struct seg){ outside_addr(0, 1), 0, last_wr };
        end_req(r);
        return true;
    case A_RW:
        if (nsegs + 2 > SEGS_MAX)
            return false;
        if (!last_wr)
            segs[nsegs++] = (struct seg){ ipa_of(AR_DATA), 0, true };
        segs[nsegs++] = (struct seg){ ipa_of(AR_DATA), (uint32_t)(rnd() % 16), false };
        end_req(r);
        return true;
    default:
        return true;
    }
}

/* Spoils placed request r in its descriptors: a loop back into the chain, a next beyond the
 * queue (or beyond its indirect table), a bad indirect descriptor or table (nested, length not
 * a multiple of 16, zero or over 4096, NEXT set, outside RAM). */
static void spoil_descriptors(struct vdev *v, struct req *r, int a)
{
    uint8_t *hd = desc_at(r->head);
    unsigned k = (unsigned)(rnd() % r->n);
    uint64_t t;
    memcpy(&t, hd, 8);
    uint32_t len = 16 * r->n;
    switch (a) {
    case A_LOOP:
        set_next(req_desc(v, r, r->n - 1), r->table < 0 ? perm[r->pstart + k] : (uint16_t)k);
        break;
    case A_NEXT:
        set_next(req_desc(v, r, k), beyond(r->table < 0 ? v->size : r->n));
        break;
    case A_IND:
        switch (rnd() % 7) {
        case 0: {
            uint8_t *e = req_desc(v, r, k);
            uint16_t fl;
            memcpy(&fl, e + 12, 2);
            fl |= D_INDIRECT;
            memcpy(e + 12, &fl, 2);
            break;
        }
        case 1:
            put_desc(hd, t, len + 1 + (uint32_t)(rnd() % 15), D_INDIRECT, 0);
            break;
        case 2:
            put_desc(hd, t, 0, D_INDIRECT, 0);
            break;
        case 3:
            put_desc(hd, t, rnd() % 2 ? 4096 + 16 * (rnd() % 2 ? 1 : 1 + (uint32_t)(rnd() % 64)) : 0xfffffff0u,
                     D_INDIRECT, 0);
            break;
        case 4:
            put_desc(hd, t, len, D_INDIRECT | D_NEXT, perm[permpos < v->size ? permpos : 0]);
            break;
        case 5:
            put_desc(hd, outside_addr(len, 1), len, D_INDIRECT, 0);
            break;
        default:
            set_next(req_desc(v, r, k), beyond(r->n));
            break;
        }
        break;
    default:
        break; /* A_HEAD and the segment attacks: nothing here */
    }
}

/* Builds and publishes a round for attack a: valid requests, then for most attacks a spoilt
 * one. Returns how many chains were made available; *nvalid of them, from the first, the
 * device must complete, and *bad says whether it must then need reset. */
static unsigned build_round(struct vdev *v, int a, unsigned *nvalid, bool *bad)
{
    uint16_t start = v->avail_idx;
    *nvalid = 0;
    *bad = false;
    if (a == A_CHAOS)
        return build_chaos(v);
    if (a == A_IDLE)
        return 0;
    unsigned want = a == A_VALID                  ? 1 + (unsigned)(rnd() % 4)
                    : a == A_FULL                 ? v->size
                    : a == A_MAX64 || a == A_LONG ? 0
                                                  : (unsigned)(rnd() % 3);
    for (unsigned i = 0; i < want; i++) {
        struct req *r = build_valid(v, 0);
        if (!r || !place_any(v, r)) {
            if (r)
                nreqs--;
            break;
        }
    }
    if (a == A_MAX64 || a == A_LONG) {
        /* Direct when the queue is big enough (pick_attack made sure one way works). */
        unsigned nseg = a == A_MAX64 ? CHAIN_MAX : CHAIN_MAX + 1 + (unsigned)(rnd() % (VQ_MAX - CHAIN_MAX));
        bool ind = (v->drv & F_INDIRECT) && (v->size < nseg || rnd() % 2);
        if (!ind && v->size < nseg)
            nseg = v->size;
        struct req *r = build_valid(v, nseg);
        if (r && !place(v, r, ind))
            nreqs--;
        else if (r && a == A_LONG)
            *bad = r->n > CHAIN_MAX;
    } else if (a != A_VALID && a != A_FULL) {
        struct req *r;
        bool ok, spoilt = true;
        if (a == A_SEM) { /* blk: header short or no status; net: no header */
            r = new_req(v->id == 2 ? K_BLK : K_TX);
            ok = r && (v->id == 2 ? build_blk(v, r, 7 + (int)(rnd() % 2), 0) : build_net_tx(r, 0, 1));
            if (ok)
                nreqs++;
        } else {
            r = build_valid(v, 0);
            ok = r != 0;
            spoilt = ok && spoil_segments(r, a);
        }
        bool ind = a == A_IND || a == A_IND_NOFEAT ||
                   (ok && (v->drv & F_INDIRECT) && (rnd() % 3 == 0 || v->size - permpos < r->n));
        if (ok && !place(v, r, ind)) {
            nreqs--;
            ok = false;
        }
        if (ok && spoilt) {
            spoil_descriptors(v, r, a);
            *bad = true;
        }
    }
    *nvalid = nreqs - *bad;
    for (unsigned i = 0; i < nreqs; i++)
        publish(v, &reqs[i]);
    if (*bad && a == A_HEAD)
        avail_ring()[2 + ((v->avail_idx - 1) & (v->size - 1))] = beyond(v->size);
    if (a == A_AHEAD) { /* refused before any chain is taken */
        v->avail_idx = (uint16_t)(start + v->size + 1 + (rnd() % 2 ? 0 : rnd() % (0xffff - v->size)));
        *bad = true;
        *nvalid = 0;
    }
    return nreqs;
}

/* One round: build, publish, notify, check. False when the device was reset. */
static bool vio_attack(struct vdev *v)
{
    if (vr(v, VIO_STATUS) & ST_NEEDS_RESET) { /* input or a frame refused since the last round */
        vio_what = "a receive queue";
        expect_needs_reset(v, "NEEDS_RESET without the configuration interrupt");
        return false;
    }
    int a = pick_attack(v);
    vio_what = attack_names[a];
    attack_count[a]++;
    attack_reset(v);
    bool active = !rx_queue(v); /* a queue the device takes chains from when notified */
    bool bad;
    unsigned nvalid;
    uint16_t start = v->avail_idx;
    unsigned npub = build_round(v, a, &nvalid, &bad);
    if (!active)
        bad = false; /* nothing is taken from a receive queue here */
    for (uint32_t i = dtop; i < dtop + GUARD && a != A_CHAOS; i++)
        ar[AR_DATA + i] = canary(i);
    /* Interrupt suppression: without EVENT_IDX, VIRTQ_AVAIL_F_NO_INTERRUPT; with it, used_event. */
    bool event = v->drv & F_EVENT_IDX;
    uint16_t ue = (uint16_t)(start + rnd() % (npub + 2));
    avail_ring()[0] = event ? (uint16_t)rnd() : (uint16_t)(rnd() % 2);
    avail_ring()[2 + v->size] = ue;
    avail_ring()[1] = v->avail_idx;
    snapshot(v, a != A_CHAOS && active);
    vw(v, VIO_INT_ACK, vr(v, VIO_INT_STATUS));
    if (rnd() % 16 == 0) /* a queue the device does not have: ignored */
        vw(v, VIO_QUEUE_NOTIFY, v->nq + (uint32_t)(rnd() % 100));
    vw(v, VIO_QUEUE_NOTIFY, v->q);
    vio.notifies++;
    vio.chains += npub;
    /* Every back end serves a notification in that exit (QueueNotify is repeated when one
     * stops over its budget), so the outcome is final now. */
    unsigned expect = bad ? nvalid : npub;
    uint32_t st = vr(v, VIO_STATUS), isr = vr(v, VIO_INT_STATUS);
    uint16_t done = (uint16_t)(used_idx() - v->used_seen);
    bool reset = st & ST_NEEDS_RESET;
    bool either = a == A_CHAOS || !active;
    if (reset && !(isr & 2))
        vio_bad(v, "NEEDS_RESET without the configuration interrupt", st, isr);
    if (reset && !bad && !either)
        vio_bad(v, "needs reset after valid chains", done, npub);
    if (!reset && bad)
        vio_bad(v, "malformed chain accepted", done, npub);
    /* A receive queue may also return buffers posted in earlier rounds (see below). */
    if (active && done > (either ? npub : expect))
        vio_bad(v, "more chains used than allowed", done, expect);
    else if (!either && done != expect)
        vio_bad(v, "chains used", done, expect);
    if (a != A_CHAOS) {
        for (unsigned i = 0; i < done && i < nreqs; i++) {
            uint16_t slot = (uint16_t)(v->used_seen + i);
            uint32_t id = used_elem(v, slot, 0), len = used_elem(v, slot, 1);
            /* A receive queue is filled whenever a frame or input arrives, from another CPU,
             * so a buffer posted in an earlier round may come back first: only a queue the
             * device takes from when notified has a fixed order. */
            if (id != reqs[i].head) {
                if (active)
                    vio_bad(v, "used ring returned another chain", id, reqs[i].head);
            } else {
                check_done(v, &reqs[i], len);
            }
        }
        compare(v, active);
    } else {
        compare(v, false);
        v->known = 0; /* garbage may have written the disk anywhere */
    }
    if (!reset && done == expect && expect && !either) {
        bool want_irq = event ? (uint16_t)(v->used_seen + done - ue - 1) < done : !(avail_ring()[0] & 1);
        if (!!(isr & 1) != want_irq)
            vio_bad(v, "used-buffer interrupt", isr, ue | (uint64_t)event << 16);
    }
    v->used_seen = (uint16_t)(v->used_seen + done);
    /* Nothing the device could take again: random register writes between rounds (op_mmio,
     * vio_regs) may move or re-enable a live queue, which must then find no valid chain (a
     * replayed disk write would make the guest's copy of the disk window wrong). */
    if (active) {
        memset(ar + AR_DESC, 0, 16 * v->size);
        memset(ar + AR_IND, 0, 0x1000 * nind);
    }
    if (reset) {
        vio.needs_reset++, v->resets++;
        if (rnd() % 4 == 0) { /* a device that needs reset takes nothing */
            vw(v, VIO_QUEUE_SEL, v->q);
            if (vr(v, VIO_QUEUE_READY))
                vio_bad(v, "queue still ready in NEEDS_RESET", 0, 0);
            avail_ring()[1] = (uint16_t)(v->avail_idx + 1);
            vw(v, VIO_QUEUE_NOTIFY, v->q);
            if (used_idx() != v->used_seen || vr(v, VIO_STATUS) != st)
                vio_bad(v, "NEEDS_RESET device still works", used_idx(), vr(v, VIO_STATUS));
        }
        vio_reset(v);
        return false;
    }
    if (a == A_CHAOS && done != npub) { /* stop whatever is still pending */
        vio_reset(v);
        return false;
    }
    if (done == npub && npub)
        vio.completed++, v->completed++;
    else
        vio.idle++;
    return true;
}

/* Random accesses to the device's registers, every size and alignment. */
static void vio_regs(struct vdev *v)
{
    static const uint16_t regs[] = {
        0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030, 0x034, 0x038, 0x044,
        0x050, 0x060, 0x064, 0x070, 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x0ac, 0x0b0,
        0x0b4, 0x0b8, 0x0bc, 0x0fc, 0x100, 0x104, 0x108, 0x10c, 0x110, 0x114,
    };
    vio_what = "register accesses";
    v->live = false;
    v->known = 0; /* a queue re-enabled elsewhere may write the disk */
    for (unsigned i = 0, n = 4 + (unsigned)(rnd() % 12); i < n; i++) {
        unsigned off;
        switch (rnd() % 4) {
        case 0:
            off = (unsigned)(rnd() % 0x1000);
            break;
        case 1:
            off = VIO_CONFIG + (unsigned)(rnd() % 0x40);
            break;
        default:
            off = regs[rnd() % (sizeof(regs) / sizeof(regs[0]))];
            if (rnd() % 4 == 0)
                off += 1 + (unsigned)(rnd() % 3);
            break;
        }
        unsigned size = 1u << (rnd() % 4);
        bool write = rnd() % 2;
        uint64_t val = rnd();
        if (off >= VIO_DESC_LO && off < VIO_DEVICE_HI + 4)
            val = (off & 4) ? 0 : rnd() % 2 ? ipa_of(AR_DESC) + rnd() % 0x3000 : rnd();
        if (v->id == 3 && off >= VIO_CONFIG + 8 && off < VIO_CONFIG + 12)
            val = 'a' + rnd() % 26; /* emerg_wr prints it: keep the log readable */
        if (off + size > 0x1000)
            continue;
        bool want_fault = off < VIO_CONFIG ? size != 4 || (off & 3) : size == 8 || (off & (size - 1));
        uint64_t addr = v->base + off, got = 0;
        fault_expect();
        switch (size | (write ? 0x10 : 0)) {
        case 1:
            got = *(volatile uint8_t *)(uintptr_t)addr;
            break;
        case 2:
            got = *(volatile uint16_t *)(uintptr_t)addr;
            break;
        case 4:
            got = *(volatile uint32_t *)(uintptr_t)addr;
            break;
        case 8:
            got = *(volatile uint64_t *)(uintptr_t)addr;
            break;
        case 0x11:
            *(volatile uint8_t *)(uintptr_t)addr = (uint8_t)val;
            break;
        case 0x12:
            *(volatile uint16_t *)(uintptr_t)addr = (uint16_t)val;
            break;
        case 0x14:
            *(volatile uint32_t *)(uintptr_t)addr = (uint32_t)val;
            break;
        default:
            *(volatile uint64_t *)(uintptr_t)addr = val;
            break;
        }
        bool faulted = fault_taken(0, 0);
        vio.regs++;
        if (faulted)
            vio.reg_aborts++, faults++;
        if (faulted != want_fault)
            vio_bad(v, "access abort", off | (uint64_t)size << 16 | (uint64_t)write << 24, faulted);
        if (!write && !faulted && size == 4 &&
            ((off == VIO_MAGIC && got != 0x74726976) || (off == VIO_VERSION && got != 2) ||
             (off == VIO_DEVICE_ID && got != v->id) || (off == VIO_VENDOR_ID && got != 0x53564c45)))
            vio_bad(v, "identification register", off, got);
    }
}

static void op_virtio(void)
{
    struct vdev *v = &vdevs[rnd() % nvdevs];
    ar = (uint8_t *)(uintptr_t)(arena_base + (uint64_t)v->index * AR_SIZE);
    vio.ops++;
    v->ops++;
    if (rnd() % 8 == 0) {
        vio_regs(v);
        return;
    }
    unsigned q = v->id == 1 || v->id == 3 ? (rnd() % 4 ? 1 : 0) : 0;
    if (!(v->live && v->q == q && rnd() % 4 && vio_still_live(v)) && !vio_setup(v, q))
        return;
    for (unsigned n = 1 + (unsigned)(rnd() % 3); n && vio_attack(v); n--)
        ;
    if (v->live && (rx_queue(v) || rnd() % 4 == 0)) {
        vio_what = "reset";
        vio_reset(v); /* no receive buffers are left posted */
    }
}

/* The virtio-mmio devices of the DTB, identified through their registers. */
static void vio_discover(void)
{
    if (ram_size < 8u << 20)
        return;
    arena_base = ram_base + ram_size / 2;
    for (int n = fdt_next_compatible(&guest_fdt, -1, "virtio,mmio");
         n >= 0 && nvdevs < sizeof(vdevs) / sizeof(vdevs[0]); n = fdt_next_compatible(&guest_fdt, n, "virtio,mmio")) {
        struct vdev *v = &vdevs[nvdevs];
        uint64_t size;
        if (fdt_reg(&guest_fdt, n, 0, &v->base, &size) < 0)
            continue;
        uint32_t magic = vr(v, VIO_MAGIC), version = vr(v, VIO_VERSION);
        v->id = vr(v, VIO_DEVICE_ID);
        v->nq = v->id == 1 || v->id == 3 ? 2 : v->id == 2 || v->id == 4 ? 1 : 0;
        if (magic != 0x74726976 || version != 2 || !v->nq) {
            gprintf("hostile: virtio@%lx: magic %x version %u device %u: skipped\n", (unsigned long)v->base, magic,
                    version, v->id);
            continue;
        }
        vw(v, VIO_STATUS, 0);
        v->offered = read_features(v);
        if (v->id == 2) {
            if (nblk >= BLK_MAX_DEVS)
                continue;
            v->capacity = vr(v, VIO_CONFIG) | (uint64_t)vr(v, VIO_CONFIG + 4) << 32;
            v->ro = v->offered & (1ULL << 5);
            if (v->capacity < 2 * BLK_SHADOW_SECTORS)
                continue;
            v->shadow = blk_shadows[nblk++];
            v->shadow_sector = v->capacity / 2;
        }
        v->index = nvdevs++;
    }
    snap = (uint8_t *)(uintptr_t)(arena_base + (uint64_t)nvdevs * AR_SIZE);
    for (unsigned i = 0; i < nvdevs; i++)
        gprintf("hostile: virtio-%s@%lx, features %lx%s\n", vname(&vdevs[i]), (unsigned long)vdevs[i].base,
                (unsigned long)vdevs[i].offered, vdevs[i].ro ? ", read-only" : "");
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    uint64_t seed = arg_value(args, "seed", 1), count = arg_value(args, "count", 20000);
    uint64_t until = arg_value(args, "until", 0), uart = 0, usize;
    int con = fdt_stdout_node(&guest_fdt);
    if (until && (con < 0 || fdt_reg(&guest_fdt, con, 0, &uart, &usize) < 0))
        until = 0;
    rng_state = seed ? seed : 1;
    int mem = fdt_path_offset(&guest_fdt, "/memory");
    fdt_reg(&guest_fdt, mem, 0, &ram_base, &ram_size);
    /* Every device window the DTB names. */
    for (int n = fdt_first_subnode(&guest_fdt, fdt_root(&guest_fdt)); n >= 0 && nwindows < 16;
         n = fdt_next_subnode(&guest_fdt, n)) {
        uint64_t b, s;
        if (fdt_getprop(&guest_fdt, n, "compatible", 0) && n != mem && fdt_reg(&guest_fdt, n, 0, &b, &s) == 0 && s) {
            windows[nwindows][0] = b;
            windows[nwindows++][1] = s;
        }
    }
    vio_discover();
    sysreg_write(cpacr_el1, 3UL << 20);
    uint64_t n[5] = { 0 }, t0 = sysreg_read(cntvct_el0), i;
    for (i = 0; i < count || until; i++) {
        /* Past the count: stop at the key (random UART reads may eat it: it is sent again). */
        if (i >= count && i % 64 == 0) {
            volatile uint32_t *u = (volatile uint32_t *)(uintptr_t)uart;
            while (!(u[0x18 / 4] & (1u << 4))) /* UARTFR.RXFE clear: read UARTDR */
                if ((u[0] & 0xff) == until)
                    until = 0;
            if (sysreg_read(cntvct_el0) - t0 > 600 * sysreg_read(cntfrq_el0))
                until = 0;
            if (!until)
                break;
        }
        unsigned c = (unsigned)(rnd() % 5);
        if (c == 4 && !nvdevs)
            c = 3;
        n[c]++;
        switch (c) {
        case 0:
            op_call();
            break;
        case 1:
            op_mmio();
            break;
        case 2:
            op_sysreg();
            break;
        case 3:
            op_misc();
            break;
        default:
            op_virtio();
            break;
        }
    }
    /* A new line first: random UART writes may have left a partial line. */
    gprintf("\nhostile: ops=%lu faults=%lu seed=%lu calls=%lu mmio=%lu sysreg=%lu misc=%lu virtio=%lu\n",
            (unsigned long)i, (unsigned long)faults, (unsigned long)seed, (unsigned long)n[0], (unsigned long)n[1],
            (unsigned long)n[2], (unsigned long)n[3], (unsigned long)n[4]);
    if (nvdevs) {
        gprintf("hostile: virtio ops=%lu notifies=%lu chains=%lu completed=%lu needs-reset=%lu idle=%lu "
                "features-refused=%lu rings-refused=%lu\n",
                (unsigned long)vio.ops, (unsigned long)vio.notifies, (unsigned long)vio.chains,
                (unsigned long)vio.completed, (unsigned long)vio.needs_reset, (unsigned long)vio.idle,
                (unsigned long)vio.feat_refused, (unsigned long)vio.ring_refused);
        gprintf("hostile: virtio registers=%lu aborts=%lu unexpected=%lu\n", (unsigned long)vio.regs,
                (unsigned long)vio.reg_aborts, (unsigned long)vio.unexpected);
        for (unsigned a = 0; a < A_NR; a += 9) {
            char line[160];
            int len = ev_snprintf(line, sizeof(line), "hostile: virtio rounds");
            for (unsigned k = a; k < A_NR && k < a + 9; k++)
                len += ev_snprintf(line + len, sizeof(line) - (unsigned)len, " %s=%lu", attack_short[k],
                                   (unsigned long)attack_count[k]);
            gprintf("%s\n", line);
        }
        for (unsigned i = 0; i < nvdevs; i++)
            gprintf("hostile: virtio-%s@%lx ops=%lu completed=%lu needs-reset=%lu\n", vname(&vdevs[i]),
                    (unsigned long)vdevs[i].base, (unsigned long)vdevs[i].ops, (unsigned long)vdevs[i].completed,
                    (unsigned long)vdevs[i].resets);
        check(vio.unexpected == 0, "virtio_outcomes", "%lu unexpected outcomes", (unsigned long)vio.unexpected);
    }
    return guest_failures;
}

/* Unit tests for the MSI and MSI-X shadows of an assigned function (vdev/vpci_msi.c,
 * vdev/vpci_msix.c, docs/pci.md "MSI", "MSI-X"), against a fake host function: its
 * configuration space and its BAR (with the MSI-X table and PBA) are host buffers; the host
 * route (core/pci_msi.c) and the VM's ITS (vdev/vits.c) are fakes that record what they were
 * asked. What a guest writes is hostile: every check is that the physical side only ever holds
 * the hypervisor's doorbell and EventIDs, unmasked or enabled only for the guest's own ITS, and
 * that a host message only raises what the guest's shadow says. On a GICv2 machine the VM has a
 * GICv2m frame instead of an ITS: the same, with its frame's MSI_SETSPI_NS and an SPI of the
 * frame's range as the only message that raises anything (an SPI injected as an edge). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/vpci_msi.h"
#include "vdev/vits.h"
#include "vdev/vgic.h"
#include "vdev/vgic_v4.h"
#include "vdev/vgicv2m.h"
#include "core/vm.h"
#include "drivers/pci_host.h"
#include "drivers/pci_regs.h"
#include "drivers/gic_its_regs.h"
#include "tests/host/stubs.h"

#define BDF      0x0008
#define MSI_CAP  0x50
#define MSIX_CAP 0x70
#define ITS_IPA  0x08080000ULL
#define HOST_DB  0x08091040ULL /* what the fake route says the device writes to */
#define TABLE    0x1000        /* MSI-X table offset in BAR 1, PBA at 0x1800 */
#define PBA      0x1800
#define HOST_N   64            /* host MSI-X entries: more than the guest is shown */
#define V2M_IPA  0x08020000ULL /* the VM's GICv2m frame: SPIs 80..111, reg 8 KiB */
#define V2M_SPI  80
#define V2M_N    32
#define HOST_SPI 0x90 /* the first host GICv2m SPI the fake route gives */

static uint8_t cfg[256];
static uint8_t bar1[0x4000] __attribute__((aligned(4096)));
static struct pci_fn fn;
static struct vm vm;
static struct vpci_msi m;
static struct vpci_msix_entry tab[PCI_MSI_MAX_VECS];

/* ---- fakes ---- */

uint32_t pci_cfg_read(uint16_t bdf, unsigned off, unsigned size)
{
    uint32_t v = 0;
    assert_int_equal(bdf, BDF);
    memcpy(&v, &cfg[off], size);
    return v;
}

/* Writes as the device takes them: Message Control's read-only fields stay (PCI 3.0 6.8.1.3,
 * 6.8.2.3); the MSI-X Table and PBA Offset/BIR are read-only. */
void pci_cfg_write(uint16_t bdf, unsigned off, unsigned size, uint32_t val)
{
    assert_int_equal(bdf, BDF);
    uint16_t ro = 0, old;
    memcpy(&old, &cfg[off], 2);
    if (off == MSI_CAP + PCI_MSI_FLAGS)
        ro = (uint16_t) ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    else if (off == MSIX_CAP + PCI_MSIX_FLAGS)
        ro = (uint16_t) ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    else if (off == MSIX_CAP + PCI_MSIX_TABLE || off == MSIX_CAP + PCI_MSIX_PBA)
        return;
    assert_true(!ro || size == 2);
    if (ro)
        val = (old & ro) | (val & ~ro);
    memcpy(&cfg[off], &val, size);
}

static pci_msi_fn route_fn;
static void *route_arg;
static unsigned route_nvec;
static bool route_fails, msix_mapped = true;
static uint64_t want_doorbell = ITS_IPA + VPCI_MSI_DOORBELL_OFF;
static uint32_t host_data; /* the first message's host data: EventID 0, or a GICv2m SPI */

int pci_msi_route(struct vm *v, const struct pci_fn *f, uint64_t doorbell_ipa, unsigned nvec, pci_msi_fn deliver,
                  void *arg, struct pci_msi_msg *msg)
{
    assert_int_equal(doorbell_ipa, want_doorbell);
    if (route_fails)
        return -1;
    route_fn = deliver;
    route_arg = arg;
    route_nvec = nvec;
    msg->addr = HOST_DB;
    msg->data = host_data;
    return 0;
}

static unsigned injected;
static uint32_t injected_spi;
void vgic_inject_edge(struct vm *v, struct vcpu *vc, uint32_t intid)
{
    assert_ptr_equal(v, &vm);
    assert_null(vc);
    injected++;
    injected_spi = intid;
}

bool pci_msi_msix_mapped(const struct pci_fn *f) { return msix_mapped; }

static int its_at = 0; /* index of the VM's ITS among its devices, -1: none */
int vits_index(const struct vm *v) { return its_at; }

static unsigned raised;
static uint32_t raised_dev, raised_ev;
enum vits_err vits_msi(struct vm *v, uint32_t dev, uint32_t ev, unsigned *to)
{
    raised++;
    raised_dev = dev;
    raised_ev = ev;
    *to = 1; /* the guest's tables send it to vCPU 1 */
    return VITS_OK;
}

/* A host without GICv4: no message becomes a vLPI, so nothing below is reached. */
bool vgic_v4_on(const struct vm *v) { return false; }
bool vgic_v4_target(const struct vm *v, unsigned vcpu, uint32_t intid, struct pci_msi_vlpi *out) { abort(); }
bool vgic_v4_pending(struct vm *v, unsigned vcpu, uint32_t intid) { abort(); }
bool vits_msi_target(struct vm *v, uint32_t dev, uint32_t ev, unsigned *vcpu, uint32_t *lpi) { abort(); }
bool vits_watch(struct vm *v, void (*fn)(void *arg), void *arg) { abort(); }
int pci_msi_direct(struct vm *v, const struct pci_fn *f, unsigned vec, const struct pci_msi_vlpi *to) { abort(); }
bool pci_msi_direct_of(struct vm *v, const struct pci_fn *f, unsigned vec, struct pci_msi_vlpi *out) { return false; }
bool vgic_lpi_set_pending(struct vm *v, uint32_t intid, bool on) { abort(); }

/* ---- helpers ---- */

static uint16_t cfg16(unsigned off) { return (uint16_t)pci_cfg_read(BDF, off, 2); }
static uint32_t cfg32(unsigned off) { return pci_cfg_read(BDF, off, 4); }
static uint32_t hw_entry(unsigned i, unsigned field)
{
    uint32_t v;
    memcpy(&v, &bar1[TABLE + i * PCI_MSIX_ENTRY_SIZE + field], 4);
    return v;
}
static uint32_t gtr(void) { return (uint32_t)(ITS_IPA + GITS_TRANSLATER); }

/* A function with a 64-bit MSI capability with per-vector masking at 0x50 and an MSI-X
 * capability of HOST_N entries (table in BAR 1 at 0x1000, PBA at 0x1800) at 0x60. */
static int setup(void **st)
{
    memset(cfg, 0, sizeof(cfg));
    memset(bar1, 0, sizeof(bar1));
    cfg[MSI_CAP] = PCI_CAP_ID_MSI;
    cfg[MSI_CAP + 1] = MSIX_CAP;
    uint16_t c = PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | 0x4 /* MMC: 4 messages */;
    memcpy(&cfg[MSI_CAP + 2], &c, 2);
    cfg[MSIX_CAP] = PCI_CAP_ID_MSIX;
    uint16_t xc = HOST_N - 1;
    memcpy(&cfg[MSIX_CAP + 2], &xc, 2);
    uint32_t t = TABLE | 1, p = PBA | 1;
    memcpy(&cfg[MSIX_CAP + 4], &t, 4);
    memcpy(&cfg[MSIX_CAP + 8], &p, 4);
    memset(&fn, 0, sizeof(fn));
    fn.bdf = BDF;
    fn.bar[1].pa = (uint64_t)(uintptr_t)bar1;
    fn.bar[1].size = sizeof(bar1);
    memset(&vm, 0, sizeof(vm));
    strcpy(vm.cfg.name, "msi");
    vm.cfg.nr_devs = 1;
    vm.cfg.nr_vcpus = 2;
    vm.vcpu[1].pcpu = 3;
    vm.cfg.dev[0].ipa = ITS_IPA;
    its_at = 0;
    route_fails = false;
    msix_mapped = true;
    raised = 0;
    injected = 0;
    want_doorbell = ITS_IPA + VPCI_MSI_DOORBELL_OFF;
    host_data = 0;
    for (unsigned i = 0; i < HOST_N; i++) /* whatever was there: the attach must overwrite it */
        memset(&bar1[TABLE + i * 16], 0x5a, 16);
    vpci_msi_attach(&m, &vm, &fn, MSI_CAP, MSIX_CAP, 0x10, tab);
    return 0;
}

/* ---- MSI ---- */

static void test_msi_shadow_shows_one_message_no_masking(void **st)
{
    assert_true(vpci_msi_owns(&m, MSI_CAP));
    assert_true(vpci_msi_owns(&m, MSI_CAP + 0x14)); /* the hidden mask/pending bits are owned too */
    assert_false(vpci_msi_owns(&m, MSI_CAP + 0x18));
    uint32_t h = vpci_msi_read(&m, MSI_CAP);
    assert_int_equal(h & 0xff, PCI_CAP_ID_MSI);
    uint16_t c = (uint16_t)(h >> 16);
    assert_true(c & PCI_MSI_FLAGS_64BIT);
    assert_false(c & (PCI_MSI_FLAGS_MASKBIT | PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_ENABLE));
    assert_int_equal(vpci_msi_read(&m, MSI_CAP + 0x10), 0); /* mask bits: hidden */
    assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0);
    assert_int_equal(route_nvec, 32); /* MSI-X: HOST_N capped at PCI_MSI_MAX_VECS */
}

static void test_msi_enabled_only_for_its_translater(void **st)
{
    /* Nonsense first: an address in RAM, Multiple Message Enable, mask bits. */
    vpci_msi_write(&m, MSI_CAP + 4, 4, 0x40001003);
    vpci_msi_write(&m, MSI_CAP + 8, 4, 0);
    vpci_msi_write(&m, MSI_CAP + 0xc, 4, 0xffff0005);
    vpci_msi_write(&m, MSI_CAP + 0x10, 4, 0xffffffff);
    vpci_msi_write(&m, MSI_CAP + 2, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    assert_int_equal(vpci_msi_read(&m, MSI_CAP + 4), 0x40001000); /* low bits read 0 */
    assert_int_equal(vpci_msi_read(&m, MSI_CAP + 0xc), 5);        /* 16-bit data */
    assert_int_equal((vpci_msi_read(&m, MSI_CAP) >> 16) & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE),
                     PCI_MSI_FLAGS_ENABLE);
    assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0); /* not at its ITS: off */
    assert_int_equal(cfg32(MSI_CAP + 0x10), 0);                                 /* mask bits untouched */
    assert_int_equal(route_fn(route_arg, 0), -1);
    assert_int_equal(raised, 0);
    /* Its own GITS_TRANSLATER, written a byte at a time: on, with the host's message. */
    uint32_t a = gtr();
    for (unsigned i = 0; i < 4; i++)
        vpci_msi_write(&m, MSI_CAP + 4 + i, 1, (a >> (8 * i)) & 0xff);
    uint16_t ctrl = cfg16(MSI_CAP + PCI_MSI_FLAGS);
    assert_int_equal(ctrl & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE), PCI_MSI_FLAGS_ENABLE);
    assert_int_equal(cfg32(MSI_CAP + 4), (uint32_t)HOST_DB);
    assert_int_equal(cfg32(MSI_CAP + 8), 0);
    assert_int_equal(cfg16(MSI_CAP + 0xc), 0);
    assert_int_equal(route_fn(route_arg, 0), 3); /* taken best where vCPU 1 runs */
    assert_int_equal(raised, 1);
    assert_int_equal(raised_dev, VPCI_MSI_DEVID_BASE + 0x10);
    assert_int_equal(raised_ev, 5);
    route_fn(route_arg, 3); /* a message MSI does not have */
    assert_int_equal(raised, 1);
    /* A high address half makes it another address: off again. */
    vpci_msi_write(&m, MSI_CAP + 8, 4, 1);
    assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0);
    vpci_msi_write(&m, MSI_CAP + 8, 4, 0);
    assert_true(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE);
    vpci_msi_write(&m, MSI_CAP + 2, 2, 0);
    assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0);
    route_fn(route_arg, 0);
    assert_int_equal(raised, 1);
}

static void test_hidden_without_its_or_route(void **st)
{
    its_at = -1;
    vpci_msi_attach(&m, &vm, &fn, MSI_CAP, MSIX_CAP, 0x10, tab);
    assert_false(vpci_msi_owns(&m, MSI_CAP));
    assert_false(vpci_msi_owns(&m, MSIX_CAP));
    its_at = 0;
    route_fails = true;
    vpci_msi_attach(&m, &vm, &fn, MSI_CAP, MSIX_CAP, 0x10, tab);
    assert_false(vpci_msi_owns(&m, MSI_CAP));
    assert_false(vpci_msix_shown(&m, MSIX_CAP));
    route_fails = false;
    msix_mapped = false; /* its table not reachable at EL2: MSI only */
    vpci_msi_attach(&m, &vm, &fn, MSI_CAP, MSIX_CAP, 0x10, tab);
    assert_true(vpci_msi_owns(&m, MSI_CAP));
    assert_false(vpci_msix_shown(&m, MSIX_CAP));
    assert_int_equal(route_nvec, 1);
}

/* ---- MSI-X ---- */

static void test_msix_capability(void **st)
{
    assert_true(vpci_msix_shown(&m, MSIX_CAP));
    uint32_t h = vpci_msi_read(&m, MSIX_CAP);
    assert_int_equal((h >> 16) & PCI_MSIX_FLAGS_QSIZE, PCI_MSI_MAX_VECS - 1);
    assert_int_equal(vpci_msi_read(&m, MSIX_CAP + 4), TABLE | 1);
    vpci_msi_write(&m, MSIX_CAP + 4, 4, 0); /* the offsets are read-only */
    assert_int_equal(vpci_msi_read(&m, MSIX_CAP + 4), TABLE | 1);
    assert_int_equal(cfg32(MSIX_CAP + 4), TABLE | 1);
    /* The physical table after attach: every entry masked; the shown ones hold the host's
     * message with EventID i, the others keep no guest value. */
    for (unsigned i = 0; i < HOST_N; i++)
        assert_int_equal(hw_entry(i, PCI_MSIX_ENTRY_CTRL), PCI_MSIX_ENTRY_CTRL_MASK);
    for (unsigned i = 0; i < PCI_MSI_MAX_VECS; i++) {
        assert_int_equal(hw_entry(i, PCI_MSIX_ENTRY_ADDR_LO), (uint32_t)HOST_DB);
        assert_int_equal(hw_entry(i, PCI_MSIX_ENTRY_DATA), i);
    }
    /* Message Control: Enable and Function Mask reach the device, Table Size does not. */
    vpci_msi_write(&m, MSIX_CAP + 2, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 0x7ff);
    assert_int_equal(cfg16(MSIX_CAP + 2), PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | (HOST_N - 1));
}

static void test_msix_hole_and_bounds(void **st)
{
    uint64_t off, len, v = 0;
    assert_true(vpci_msi_bar_hole(&m, 1, &off, &len));
    assert_int_equal(off, TABLE);
    assert_int_equal(len, 0x1000); /* table (64 x 16 = 0x400) and PBA share one page */
    assert_false(vpci_msi_bar_hole(&m, 0, &off, &len));
    assert_int_equal(vpci_msi_bar_access(&m, 0, TABLE, 4, false, &v), -1);     /* another BAR */
    assert_int_equal(vpci_msi_bar_access(&m, 1, 0x0ffc, 4, false, &v), -1);    /* below the hole */
    assert_int_equal(vpci_msi_bar_access(&m, 1, 0x2000, 4, false, &v), -1);    /* above it */
    assert_int_equal(vpci_msi_bar_access(&m, 1, TABLE + 2, 4, false, &v), -1); /* misaligned */
    /* An entry beyond those shown: reads 0, a write changes nothing. */
    v = 0xffffffff;
    assert_int_equal(vpci_msi_bar_access(&m, 1, TABLE + 40 * 16 + 12, 4, true, &v), 0);
    assert_int_equal(hw_entry(40, PCI_MSIX_ENTRY_CTRL), PCI_MSIX_ENTRY_CTRL_MASK);
    assert_int_equal(vpci_msi_bar_access(&m, 1, TABLE + 40 * 16, 4, false, &v), 0);
    assert_int_equal(v, 0);
    /* The PBA is the device's, read-only; another register in the page is the device's. */
    memset(&bar1[PBA], 0xa5, 8);
    assert_int_equal(vpci_msi_bar_access(&m, 1, PBA, 8, false, &v), 0);
    assert_true(v == 0xa5a5a5a5a5a5a5a5ULL);
    v = 0;
    assert_int_equal(vpci_msi_bar_access(&m, 1, PBA, 8, true, &v), 0);
    assert_int_equal(bar1[PBA], 0xa5);
    v = 0x1234;
    assert_int_equal(vpci_msi_bar_access(&m, 1, 0x1f00, 2, true, &v), 0);
    assert_int_equal(bar1[0x1f00], 0x34);
}

static void put(unsigned i, unsigned field, unsigned size, uint64_t v)
{
    assert_int_equal(vpci_msi_bar_access(&m, 1, TABLE + i * 16 + field, size, true, &v), 0);
}

static void test_msix_entry_unmasked_only_for_its(void **st)
{
    vpci_msi_write(&m, MSIX_CAP + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    /* Entry 3: a RAM address, data 7, unmasked (reserved control bits set too). */
    put(3, PCI_MSIX_ENTRY_ADDR_LO, 8, 0x40000003ULL);
    put(3, PCI_MSIX_ENTRY_DATA, 4, 7);
    put(3, PCI_MSIX_ENTRY_CTRL, 4, 0xfffffffe);
    uint64_t v = 0;
    vpci_msi_bar_access(&m, 1, TABLE + 3 * 16, 8, false, &v);
    assert_true(v == 0x40000000ULL); /* the address's low bits are zero */
    vpci_msi_bar_access(&m, 1, TABLE + 3 * 16 + 12, 4, false, &v);
    assert_int_equal(v, 0); /* only the Mask Bit exists */
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_CTRL), PCI_MSIX_ENTRY_CTRL_MASK);
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_ADDR_LO), (uint32_t)HOST_DB); /* never the guest's */
    route_fn(route_arg, 3);
    assert_int_equal(raised, 0);
    /* Aimed at its ITS: unmasked, and host message 3 is the guest's event 7. */
    put(3, PCI_MSIX_ENTRY_ADDR_LO, 4, gtr());
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_CTRL), 0);
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_ADDR_LO), (uint32_t)HOST_DB);
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_DATA), 3);
    route_fn(route_arg, 3);
    assert_int_equal(raised, 1);
    assert_int_equal(raised_ev, 7);
    route_fn(route_arg, 4); /* entry 4 is still masked */
    route_fn(route_arg, PCI_MSI_MAX_VECS + 3);
    assert_int_equal(raised, 1);
    /* Function Mask and the entry's mask hold it back; MSI-X off too. */
    vpci_msi_write(&m, MSIX_CAP + 2, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    route_fn(route_arg, 3);
    vpci_msi_write(&m, MSIX_CAP + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    put(3, PCI_MSIX_ENTRY_CTRL, 4, PCI_MSIX_ENTRY_CTRL_MASK);
    assert_int_equal(hw_entry(3, PCI_MSIX_ENTRY_CTRL), PCI_MSIX_ENTRY_CTRL_MASK);
    route_fn(route_arg, 3);
    assert_int_equal(raised, 1);
    put(3, PCI_MSIX_ENTRY_CTRL, 4, 0);
    route_fn(route_arg, 3);
    assert_int_equal(raised, 2);
    /* Quiesce (before a reset): the device's MSI-X off and masked. */
    vpci_msi_quiesce(&m);
    assert_int_equal(cfg16(MSIX_CAP + 2) & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL), PCI_MSIX_FLAGS_MASKALL);
    route_fn(route_arg, 3);
    assert_int_equal(raised, 2);
}

/* ---- GICv2m (a GICv2 machine: the VM has frames, no ITS) ---- */

static const struct vdev_kind v2m_kind = { .compatible = "arm,gic-v2m-frame" };
static const struct vdev_kind uart_kind = { .compatible = "arm,pl011" };

/* The VM: a UART, then a GICv2m frame of reg size bytes at V2M_IPA with SPIs 80..111. */
static void v2m_vm(uint64_t size)
{
    its_at = -1;
    vm.cfg.nr_devs = 2;
    vm.cfg.dev[0] = (struct vm_device){ .kind = &uart_kind, .ipa = 0x09000000, .size = 0x1000, .intid = 33 };
    vm.cfg.dev[1] =
        (struct vm_device){ .kind = &v2m_kind, .ipa = V2M_IPA, .size = size, .intid = V2M_SPI, .msi_spis = V2M_N };
    want_doorbell = V2M_IPA + VPCI_MSI_V2M_DOORBELL_OFF;
    host_data = HOST_SPI;
    route_fn = 0;
    vpci_msi_attach(&m, &vm, &fn, MSI_CAP, MSIX_CAP, 0x10, tab);
}

static void test_v2m_dest_pure(void **st)
{
    struct vpci_msi_dest d = { .nr_v2m = 2 };
    d.v2m[0].setspi = V2M_IPA + V2M_MSI_SETSPI_NS;
    d.v2m[0].first = 80;
    d.v2m[0].count = 32;
    d.v2m[1].setspi = 0x08030000 + V2M_MSI_SETSPI_NS;
    d.v2m[1].first = 200;
    d.v2m[1].count = 1;
    assert_true(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 80));
    assert_true(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 111));
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 79));
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 112));
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 200)); /* the other frame's SPI */
    assert_true(vpci_msi_dest_ok(&d, 0x08030000 + V2M_MSI_SETSPI_NS, 200));
    assert_false(vpci_msi_dest_ok(&d, 0x08030000 + V2M_MSI_SETSPI_NS, 0xffffffffu)); /* no wrap */
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA, 80));                                 /* MSI_TYPER's address */
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA + VPCI_MSI_V2M_DOORBELL_OFF + V2M_MSI_SETSPI_NS, 80)); /* the host's */
    assert_false(vpci_msi_dest_ok(&d, 0, 0)); /* no ITS: address 0 is nothing */
    d.nr_v2m = 0;
    assert_false(vpci_msi_dest_ok(&d, V2M_IPA + V2M_MSI_SETSPI_NS, 80));
}

static void test_v2m_msi_only_for_its_frame_and_range(void **st)
{
    v2m_vm(VPCI_MSI_V2M_SIZE);
    assert_true(vpci_msi_owns(&m, MSI_CAP));
    uint32_t setspi = (uint32_t)(V2M_IPA + V2M_MSI_SETSPI_NS);
    /* Its ITS's address means nothing here, nor the host doorbell's page, nor an SPI outside
     * the frame's range: the device stays off and a host SPI raises nothing. */
    const struct {
        uint32_t addr, data;
    } bad[] = { { (uint32_t)(ITS_IPA + GITS_TRANSLATER), V2M_SPI },
                { (uint32_t)(V2M_IPA + VPCI_MSI_V2M_DOORBELL_OFF + V2M_MSI_SETSPI_NS), V2M_SPI },
                { setspi, V2M_SPI - 1 },
                { setspi, V2M_SPI + V2M_N },
                { setspi, 33 /* its UART's SPI */ },
                { (uint32_t)V2M_IPA, V2M_SPI } };
    vpci_msi_write(&m, MSI_CAP + 2, 2, PCI_MSI_FLAGS_ENABLE);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vpci_msi_write(&m, MSI_CAP + 4, 4, bad[i].addr);
        vpci_msi_write(&m, MSI_CAP + 0xc, 2, bad[i].data);
        assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0);
        assert_int_equal(route_fn(route_arg, 0), -1);
    }
    assert_int_equal(injected, 0);
    assert_int_equal(raised, 0);
    /* Its frame and its last SPI: on, with the host's doorbell and host SPI; the host SPI is
     * that SPI of the guest's. */
    vpci_msi_write(&m, MSI_CAP + 4, 4, setspi);
    vpci_msi_write(&m, MSI_CAP + 0xc, 2, V2M_SPI + V2M_N - 1);
    assert_true(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE);
    assert_int_equal(cfg32(MSI_CAP + 4), (uint32_t)HOST_DB);
    assert_int_equal(cfg16(MSI_CAP + 0xc), HOST_SPI);
    route_fn(route_arg, 0);
    assert_int_equal(injected, 1);
    assert_int_equal(injected_spi, V2M_SPI + V2M_N - 1);
    assert_int_equal(raised, 0); /* never the ITS path */
    route_fn(route_arg, 1);      /* a message MSI does not have */
    assert_int_equal(injected, 1);
    /* Data changed to one out of range while enabled: off at once. */
    vpci_msi_write(&m, MSI_CAP + 0xc, 2, V2M_SPI + V2M_N);
    assert_int_equal(cfg16(MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE, 0);
    route_fn(route_arg, 0);
    assert_int_equal(injected, 1);
}

static void test_v2m_msix_entries(void **st)
{
    v2m_vm(VPCI_MSI_V2M_SIZE);
    assert_true(vpci_msix_shown(&m, MSIX_CAP));
    for (unsigned i = 0; i < PCI_MSI_MAX_VECS; i++) /* host SPI HOST_SPI + i for entry i */
        assert_int_equal(hw_entry(i, PCI_MSIX_ENTRY_DATA), HOST_SPI + i);
    vpci_msi_write(&m, MSIX_CAP + 2, 2, PCI_MSIX_FLAGS_ENABLE);
    put(2, PCI_MSIX_ENTRY_ADDR_LO, 8, V2M_IPA + V2M_MSI_SETSPI_NS);
    put(2, PCI_MSIX_ENTRY_DATA, 4, V2M_SPI + V2M_N); /* one past the range */
    put(2, PCI_MSIX_ENTRY_CTRL, 4, 0);
    assert_int_equal(hw_entry(2, PCI_MSIX_ENTRY_CTRL), PCI_MSIX_ENTRY_CTRL_MASK);
    route_fn(route_arg, 2);
    assert_int_equal(injected, 0);
    put(2, PCI_MSIX_ENTRY_DATA, 4, V2M_SPI + 7);
    assert_int_equal(hw_entry(2, PCI_MSIX_ENTRY_CTRL), 0);
    assert_int_equal(hw_entry(2, PCI_MSIX_ENTRY_DATA), HOST_SPI + 2); /* never the guest's */
    route_fn(route_arg, 2);
    assert_int_equal(injected, 1);
    assert_int_equal(injected_spi, V2M_SPI + 7);
    route_fn(route_arg, 3); /* entry 3 never set: masked */
    assert_int_equal(injected, 1);
    /* A frame too small for the host doorbell page: nothing is routed, both stay hidden. */
    v2m_vm(V2M_FRAME_SIZE);
    assert_null(route_fn);
    assert_false(vpci_msi_owns(&m, MSI_CAP));
    assert_false(vpci_msix_shown(&m, MSIX_CAP));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_msi_shadow_shows_one_message_no_masking, setup),
        cmocka_unit_test_setup(test_msi_enabled_only_for_its_translater, setup),
        cmocka_unit_test_setup(test_hidden_without_its_or_route, setup),
        cmocka_unit_test_setup(test_msix_capability, setup),
        cmocka_unit_test_setup(test_msix_hole_and_bounds, setup),
        cmocka_unit_test_setup(test_msix_entry_unmasked_only_for_its, setup),
        cmocka_unit_test_setup(test_v2m_dest_pure, setup),
        cmocka_unit_test_setup(test_v2m_msi_only_for_its_frame_and_range, setup),
        cmocka_unit_test_setup(test_v2m_msix_entries, setup),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

/* Unit tests for the virtual ITS's command parser and tables (vdev/vits_cmd.c) over the
 * vGIC's LPIs (vdev/vgic_lpi.c, vdev/vgic.c): every command with valid arguments and with
 * hostile ones (out of range, unmapped, tables and queue outside the VM's RAM), against a VM
 * whose RAM is a host buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/vgic_priv.h"
#include "vdev/vits.h"
#include "drivers/gic_its_regs.h"
#include "tests/host/stubs.h"
#include "tests/host/fake_vgic_backends.h"

void host_cache_op(const char *op, uint64_t va) {}

/* A fake list-register back end, as in test_vgic: LR = intid | pending << 32 | active << 33. */
static uint64_t lrs[16];
static uint64_t f_encode(const struct vgic_lr *lr)
{
    return lr->intid | (uint64_t)lr->priority << 16 | (uint64_t)lr->pending << 32 | (uint64_t)lr->active << 33;
}
static void f_state(uint64_t v, bool *p, bool *a)
{
    *p = (v >> 32) & 1;
    *a = (v >> 33) & 1;
}
static uint64_t f_lr_read(unsigned n) { return lrs[n]; }
static void f_lr_write(unsigned n, uint64_t v) { lrs[n] = v; }
static void f_ld(struct vgic_cpu *c) {}
static void f_underflow(bool on) {}
static uint8_t f_vpmr(void) { return 0xf0; }
static int f_attach(struct vm *vm)
{
    vgic_of(vm)->nr_lrs = 4;
    return 0;
}
FAKE_VGIC_BACKENDS(3UL << 32, 1UL << 32);

#define RAM_IPA  0x40000000UL
#define RAM_SIZE 0x100000UL
#define PROP     (RAM_IPA + 0x10000) /* LPI configuration table */
#define PEND     (RAM_IPA + 0x20000) /* pending tables, 64 KiB aligned, one per RD */
#define DEVT     (RAM_IPA + 0x40000) /* device table */
#define COLLT    (RAM_IPA + 0x41000) /* collection table */
#define ITT      (RAM_IPA + 0x42000)
#define QUEUE    (RAM_IPA + 0x50000)

static struct vm vm;
static struct vgic *g;
static struct vits its;
static struct vits_tables tables;
static uint8_t *ram;

static uint8_t *at(uint64_t ipa) { return ram + (ipa - RAM_IPA); }

static void rd_write(unsigned rd, uint32_t off, uint64_t val)
{
    assert_true(vgic_lpi_rd_access(g, rd, off, 8 - 4 * (off == GICR_CTLR), true, &val));
}

static int setup(void **state)
{
    memset(&vm, 0, sizeof(vm));
    memset(lrs, 0, sizeof(lrs));
    host_reset();
    platform.gic_version = 3;
    if (!ram)
        ram = aligned_alloc(4096, RAM_SIZE);
    memset(ram, 0, RAM_SIZE);
    vm.id = 1;
    strcpy(vm.cfg.name, "t");
    vm.cfg.nr_vcpus = 2;
    vm.cfg.ram_ipa = RAM_IPA;
    vm.cfg.ram_size = RAM_SIZE;
    vm.ram_pa = (uint64_t)(uintptr_t)ram;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i;
    }
    percpu_data[0].vcpu = &vm.vcpu[0];
    static struct vgic vgic_state;
    vm.hw[VCPU_HW_VGIC].state = &vgic_state;
    assert_int_equal(vgic_attach(&vm), 0);
    g = vgic_of(&vm);
    g->grp1_en = true;
    vgic_lpi_attach(&vm, 0x08080000, GITS_FRAME_SIZE);
    /* Every LPI enabled at priority 0xa0, except 8200 (disabled). */
    memset(at(PROP), 0xa0 | LPI_CFG_ENABLE, VGIC_NR_LPIS);
    at(PROP)[8200 - VGIC_LPI_BASE] = 0xa0;
    for (unsigned rd = 0; rd < 2; rd++) {
        rd_write(rd, GICR_PROPBASER, PROP | 13);
        rd_write(rd, GICR_PENDBASER, PEND + rd * 0x10000);
        rd_write(rd, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
    }
    memset(&its, 0, sizeof(its));
    its.vm = &vm;
    its.t = &tables;
    vits_reset(&its);
    vits_set_baser(&its, 0, GITS_BASER_VALID | DEVT);
    vits_set_baser(&its, 1, GITS_BASER_VALID | COLLT);
    its.enabled = true;
    return 0;
}

static enum vits_err cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
    uint64_t c[4] = { dw0, dw1, dw2, dw3 };
    return vits_cmd(&its, c);
}
static enum vits_err mapd(uint32_t dev, unsigned bits, uint64_t itt, bool valid)
{
    return cmd(ITS_CMD_MAPD | (uint64_t)dev << 32, bits - 1, itt | (valid ? ITS_CMD_VALID : 0), 0);
}
static enum vits_err mapc(uint32_t icid, uint64_t rd, bool valid)
{
    return cmd(ITS_CMD_MAPC, 0, icid | rd << 16 | (valid ? ITS_CMD_VALID : 0), 0);
}
static enum vits_err mapti(uint32_t dev, uint32_t ev, uint32_t lpi, uint32_t icid)
{
    return cmd(ITS_CMD_MAPTI | (uint64_t)dev << 32, ev | (uint64_t)lpi << 32, icid, 0);
}
static enum vits_err devev(unsigned op, uint32_t dev, uint32_t ev) { return cmd(op | (uint64_t)dev << 32, ev, 0, 0); }

static bool queued_on(unsigned vcpu, uint32_t intid)
{
    unsigned s = vgic_slot(intid);
    return (g->cpu[vcpu].queued[s / 64] >> (s % 64)) & 1;
}

static void test_map_int_clear(void **state)
{
    assert_int_equal(mapd(1, 2, ITT, true), VITS_OK);
    assert_int_equal(mapc(0, 0, true), VITS_OK);
    assert_int_equal(mapti(1, 3, 8193, 0), VITS_OK);
    assert_int_equal(g->lpi[1].target, 0);
    assert_int_equal(g->lpi[1].priority, 0xa0);
    assert_true(g->lpi[1].enabled);
    assert_int_equal(devev(ITS_CMD_INT, 1, 3), VITS_OK);
    assert_true(vgic_lpi_pending(&vm, 8193));
    assert_true(queued_on(0, 8193));
    assert_false(queued_on(1, 8193));
    /* The list register gets it at the next entry. */
    g->cpu[0].loaded = true; /* an entry of the loaded vCPU */
    vgic_flush(&vm.vcpu[0]);
    assert_int_equal(lrs[0] & 0xffff, 8193);
    assert_true(lrs[0] >> 32 & 1);
    lrs[0] = 0; /* the guest took and completed it */
    vgic_sync(&vm.vcpu[0]);
    g->cpu[0].loaded = false;
    assert_false(vgic_lpi_pending(&vm, 8193));
    assert_int_equal(devev(ITS_CMD_INT, 1, 3), VITS_OK);
    assert_int_equal(devev(ITS_CMD_CLEAR, 1, 3), VITS_OK);
    assert_false(vgic_lpi_pending(&vm, 8193));
    assert_false(queued_on(0, 8193));
    assert_int_equal(cmd(ITS_CMD_SYNC, 0, 1UL << 16, 0), VITS_OK);
}

static void test_translater(void **state)
{
    assert_int_equal(mapd(VITS_CPU_DEVICE_ID, 4, ITT, true), VITS_OK);
    assert_int_equal(mapc(5, 1, true), VITS_OK);
    assert_int_equal(mapti(VITS_CPU_DEVICE_ID, 9, 9000, 5), VITS_OK);
    assert_int_equal(vits_translate(&its, VITS_CPU_DEVICE_ID, 9), VITS_OK);
    assert_true(queued_on(1, 9000));
    assert_int_equal(vits_translate(&its, VITS_CPU_DEVICE_ID, 10), VITS_E_UNMAPPED_EVENT);
    assert_int_equal(vits_translate(&its, VITS_CPU_DEVICE_ID, 1u << 4), VITS_E_ID_OOR);
    assert_int_equal(vits_translate(&its, 7, 9), VITS_E_UNMAPPED_DEVICE);
    its.enabled = false; /* a disabled ITS translates nothing */
    assert_int_equal(devev(ITS_CMD_CLEAR, 0, 9), VITS_OK);
    assert_int_equal(vits_translate(&its, VITS_CPU_DEVICE_ID, 9), VITS_OK);
    assert_false(vgic_lpi_pending(&vm, 9000));
}

static void test_inv_invall_config(void **state)
{
    assert_int_equal(mapd(2, 3, ITT, true), VITS_OK);
    assert_int_equal(mapc(1, 0, true), VITS_OK);
    assert_int_equal(mapti(2, 0, 8200, 1), VITS_OK); /* disabled in the table */
    assert_int_equal(mapti(2, 1, 8201, 1), VITS_OK);
    assert_false(g->lpi[8].enabled);
    assert_int_equal(devev(ITS_CMD_INT, 2, 0), VITS_OK);
    assert_true(vgic_lpi_pending(&vm, 8200));
    assert_false(queued_on(0, 8200)); /* pending but disabled: no list register */
    /* Enabled in the table: nothing changes until INV. */
    at(PROP)[8] = 0x40 | LPI_CFG_ENABLE;
    assert_false(queued_on(0, 8200));
    assert_int_equal(devev(ITS_CMD_INV, 2, 0), VITS_OK);
    assert_true(queued_on(0, 8200));
    assert_int_equal(g->lpi[8].priority, 0x40);
    /* INVALL: priority of both from the table. */
    at(PROP)[8] = 0x10 | LPI_CFG_ENABLE;
    at(PROP)[9] = 0x20;
    assert_int_equal(cmd(ITS_CMD_INVALL, 0, 1, 0), VITS_OK);
    assert_int_equal(g->lpi[8].priority, 0x10);
    assert_false(g->lpi[9].enabled);
    assert_int_equal(cmd(ITS_CMD_INVALL, 0, 2, 0), VITS_E_UNMAPPED_COLL);
    assert_int_equal(cmd(ITS_CMD_INVALL, 0, 64, 0), VITS_E_COLLECTION_OOR);
    assert_int_equal(devev(ITS_CMD_INV, 2, 5), VITS_E_UNMAPPED_EVENT);
}

static void test_movi_movall_mapi_discard(void **state)
{
    assert_int_equal(mapd(3, 16, ITT, true), VITS_OK); /* 2^16 events: MAPI reaches LPI INTIDs */
    assert_int_equal(mapc(0, 0, true), VITS_OK);
    assert_int_equal(mapc(1, 1, true), VITS_OK);
    assert_int_equal(cmd(ITS_CMD_MAPI | 3UL << 32, 8300, 0, 0), VITS_OK);
    assert_int_equal(g->lpi[8300 - VGIC_LPI_BASE].target, 0);
    assert_int_equal(devev(ITS_CMD_INT, 3, 8300), VITS_OK);
    assert_true(queued_on(0, 8300));
    /* MOVI: the pending LPI goes to vCPU 1. */
    assert_int_equal(cmd(ITS_CMD_MOVI | 3UL << 32, 8300, 1, 0), VITS_OK);
    assert_false(queued_on(0, 8300));
    assert_true(queued_on(1, 8300));
    assert_int_equal(cmd(ITS_CMD_MOVI | 3UL << 32, 8300, 2, 0), VITS_E_UNMAPPED_COLL);
    /* MOVALL back to 0. */
    assert_int_equal(cmd(ITS_CMD_MOVALL, 0, 1UL << 16, 0), VITS_OK);
    assert_true(queued_on(0, 8300));
    assert_int_equal(cmd(ITS_CMD_MOVALL, 0, 2UL << 16, 0), VITS_E_RDBASE_OOR);
    assert_int_equal(cmd(ITS_CMD_MOVALL, 0, 0, 9UL << 16), VITS_E_RDBASE_OOR);
    /* DISCARD: no longer pending, no longer mapped. */
    assert_int_equal(devev(ITS_CMD_DISCARD, 3, 8300), VITS_OK);
    assert_false(vgic_lpi_pending(&vm, 8300));
    assert_false(queued_on(0, 8300));
    assert_int_equal(devev(ITS_CMD_INT, 3, 8300), VITS_E_UNMAPPED_EVENT);
    assert_int_equal(devev(ITS_CMD_DISCARD, 3, 8300), VITS_E_UNMAPPED_EVENT);
    /* MAPI with an EventID that is no LPI. */
    assert_int_equal(cmd(ITS_CMD_MAPI | 3UL << 32, 12, 0, 0), VITS_E_PHYSICALID_OOR);
}

static void test_hostile_arguments(void **state)
{
    assert_int_equal(mapd(VITS_NR_DEVICES, 2, ITT, true), VITS_E_DEVICE_OOR);
    assert_int_equal(mapd(0xffffffff, 2, ITT, true), VITS_E_DEVICE_OOR);
    assert_int_equal(mapd(1, 17, ITT, true), VITS_E_SIZE_OOR);
    assert_int_equal(mapd(1, 2, 0x1000, true), VITS_E_ITT_OOR);                      /* below RAM */
    assert_int_equal(mapd(1, 16, RAM_IPA + RAM_SIZE - 0x100, true), VITS_E_ITT_OOR); /* runs off its end */
    assert_int_equal(mapd(1, 2, ITT, true), VITS_OK);
    assert_int_equal(mapc(64, 0, true), VITS_E_COLLECTION_OOR);
    assert_int_equal(mapc(0xffff, 0, true), VITS_E_COLLECTION_OOR);
    assert_int_equal(mapc(0, 2, true), VITS_E_RDBASE_OOR);
    assert_int_equal(mapc(0, 0xfffffffffUL, true), VITS_E_RDBASE_OOR);
    assert_int_equal(mapc(0, 0, true), VITS_OK);
    assert_int_equal(mapti(1, 4, 8193, 0), VITS_E_ID_OOR);
    assert_int_equal(mapti(1, 0xffffffff, 8193, 0), VITS_E_ID_OOR);
    assert_int_equal(mapti(1, 0, 8191, 0), VITS_E_PHYSICALID_OOR);
    assert_int_equal(mapti(1, 0, VGIC_LPI_BASE + VGIC_NR_LPIS, 0), VITS_E_PHYSICALID_OOR);
    assert_int_equal(mapti(1, 0, 0xffffffff, 0), VITS_E_PHYSICALID_OOR);
    assert_int_equal(mapti(1, 0, 8193, 64), VITS_E_COLLECTION_OOR);
    assert_int_equal(mapti(2, 0, 8193, 0), VITS_E_UNMAPPED_DEVICE);
    assert_int_equal(devev(ITS_CMD_INT, 1, 0), VITS_E_UNMAPPED_EVENT);
    assert_int_equal(devev(ITS_CMD_CLEAR, 300, 0), VITS_E_DEVICE_OOR);
    assert_int_equal(cmd(ITS_CMD_SYNC, 0, 2UL << 16, 0), VITS_E_RDBASE_OOR);
    assert_int_equal(cmd(0x20, 0, 0, 0), VITS_E_UNKNOWN); /* GICv4 VMAPI: not here */
    assert_int_equal(cmd(0xff, ~0UL, ~0UL, ~0UL), VITS_E_UNKNOWN);
    /* MAPTI into an unmapped collection is kept; INT through it is an error. */
    assert_int_equal(mapti(1, 1, 8194, 3), VITS_OK);
    assert_int_equal(devev(ITS_CMD_INT, 1, 1), VITS_E_UNMAPPED_COLL);
    /* MAPC V=0 unmaps; MAPD V=0 forgets the device's events. */
    assert_int_equal(mapti(1, 2, 8195, 0), VITS_OK);
    assert_int_equal(mapc(0, 0, false), VITS_OK);
    assert_int_equal(devev(ITS_CMD_INT, 1, 2), VITS_E_UNMAPPED_COLL);
    assert_int_equal(mapd(1, 2, 0, false), VITS_OK);
    assert_int_equal(tables.nr_ites, 0);
    assert_int_equal(devev(ITS_CMD_INT, 1, 2), VITS_E_UNMAPPED_DEVICE);
}

static void test_lpis_disabled_rd(void **state)
{
    /* A redistributor without EnableLPIs drops an INT. */
    g->cpu[1].lpis_enabled = false;
    assert_int_equal(mapd(1, 2, ITT, true), VITS_OK);
    assert_int_equal(mapc(0, 1, true), VITS_OK);
    assert_int_equal(mapti(1, 0, 8193, 0), VITS_OK);
    assert_int_equal(devev(ITS_CMD_INT, 1, 0), VITS_E_LPIS_DISABLED);
    assert_false(vgic_lpi_pending(&vm, 8193));
}

static void test_tables_outside_ram(void **state)
{
    /* Device and collection tables outside RAM: no entries, every command on them fails. */
    vits_set_baser(&its, 0, GITS_BASER_VALID | 0x1000);
    vits_set_baser(&its, 1, GITS_BASER_VALID | (RAM_IPA + RAM_SIZE - 0x1000) | 1); /* 2 pages: one beyond */
    assert_int_equal(its.dev_entries, 0);
    assert_int_equal(its.coll_entries, 0);
    assert_int_equal(mapd(0, 2, ITT, true), VITS_E_DEVICE_OOR);
    assert_int_equal(mapc(0, 0, true), VITS_E_COLLECTION_OOR);
    /* Read-only fields of GITS_BASER hold. */
    assert_int_equal(its.baser[0] >> GITS_BASER_TYPE_SHIFT & 7, GITS_BASER_TYPE_DEVICE);
    assert_int_equal(its.baser[1] >> GITS_BASER_TYPE_SHIFT & 7, GITS_BASER_TYPE_COLLECTION);
    /* The LPI configuration table at the last page of RAM, then beyond it: LPIs read as
     * disabled there. */
    uint64_t last = RAM_IPA + RAM_SIZE - 0x1000;
    at(last)[0x80] = 0xa0 | LPI_CFG_ENABLE;
    g->cpu[0].propbaser = last | 13;
    vits_set_baser(&its, 0, GITS_BASER_VALID | DEVT);
    vits_set_baser(&its, 1, GITS_BASER_VALID | COLLT);
    assert_int_equal(mapd(1, 2, ITT, true), VITS_OK);
    assert_int_equal(mapc(0, 0, true), VITS_OK);
    assert_int_equal(mapti(1, 0, 8192 + 0x80, 0), VITS_OK);
    assert_true(g->lpi[0x80].enabled);
    g->cpu[0].propbaser = (RAM_IPA + RAM_SIZE) | 13;
    assert_int_equal(devev(ITS_CMD_INV, 1, 0), VITS_OK);
    assert_false(g->lpi[0x80].enabled);
    g->cpu[0].propbaser = last | 13;
    assert_int_equal(devev(ITS_CMD_INV, 1, 0), VITS_OK);
    assert_true(g->lpi[0x80].enabled);
    /* PROPBASER.IDbits too small for any LPI. */
    g->cpu[0].propbaser = PROP | 12;
    assert_int_equal(devev(ITS_CMD_INV, 1, 0), VITS_OK);
    assert_false(g->lpi[0x80].enabled);
}

static void test_queue(void **state)
{
    its.cbaser = GITS_CBASER_VALID | QUEUE; /* one 4 KiB page: 128 commands */
    uint64_t *q = (uint64_t *)at(QUEUE);
    uint64_t cmds[][4] = {
        { ITS_CMD_MAPD | 1UL << 32, 1, ITT | ITS_CMD_VALID, 0 },
        { ITS_CMD_MAPC, 0, ITS_CMD_VALID, 0 },
        { ITS_CMD_MAPTI | 1UL << 32, 0 | 8195UL << 32, 0, 0 },
        { ITS_CMD_INT | 1UL << 32, 0, 0, 0 },
        { 0x77, 0, 0, 0 }, /* ignored */
        { ITS_CMD_SYNC, 0, 0, 0 },
    };
    memcpy(q, cmds, sizeof(cmds));
    its.cwriter = sizeof(cmds);
    vits_process(&its);
    assert_int_equal(its.creadr, sizeof(cmds));
    assert_false(its.stalled);
    assert_true(vgic_lpi_pending(&vm, 8195));
    assert_int_equal(its.errors[VITS_E_UNKNOWN], 1);
    /* A long queue goes VITS_CMDS_PER_EXIT at a time, and wraps. */
    for (unsigned i = 0; i < 128; i++) {
        q[i * 4] = ITS_CMD_SYNC;
        q[i * 4 + 2] = 0;
    }
    its.cwriter = sizeof(cmds) - 32; /* all the way round */
    vits_process(&its);
    assert_int_equal(its.creadr, sizeof(cmds) + VITS_CMDS_PER_EXIT * 32);
    for (unsigned i = 0; i < 20 && its.creadr != its.cwriter; i++)
        vits_process(&its);
    assert_int_equal(its.creadr, its.cwriter);
    /* CWRITER beyond the queue, or a queue beyond RAM: stalled, nothing read. */
    its.cwriter = 4096;
    vits_process(&its);
    assert_true(its.stalled);
    its.stalled = false;
    its.cbaser = GITS_CBASER_VALID | (RAM_IPA + RAM_SIZE) | 3;
    its.creadr = 0;
    its.cwriter = 64;
    vits_process(&its);
    assert_true(its.stalled);
    assert_int_equal(its.creadr, 0);
}

static void test_pending_table_read_at_enable(void **state)
{
    /* Redistributor 1 enables LPIs with 8194 pending in its table: it becomes pending there. */
    g->cpu[1].lpis_enabled = false;
    at(PEND + 0x10000)[8194 / 8] = 1u << (8194 % 8);
    rd_write(1, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
    assert_true(vgic_lpi_pending(&vm, 8194));
    assert_true(queued_on(1, 8194));
    /* PROPBASER is read-only now (UNPREDICTABLE writes ignored), and EnableLPIs stays set. */
    rd_write(1, GICR_PROPBASER, 0x1000);
    assert_int_equal(g->cpu[1].propbaser, PROP | 13);
    rd_write(1, GICR_CTLR, 0);
    assert_true(g->cpu[1].lpis_enabled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_map_int_clear, setup),
        cmocka_unit_test_setup(test_translater, setup),
        cmocka_unit_test_setup(test_inv_invall_config, setup),
        cmocka_unit_test_setup(test_movi_movall_mapi_discard, setup),
        cmocka_unit_test_setup(test_hostile_arguments, setup),
        cmocka_unit_test_setup(test_lpis_disabled_rd, setup),
        cmocka_unit_test_setup(test_tables_outside_ram, setup),
        cmocka_unit_test_setup(test_queue, setup),
        cmocka_unit_test_setup(test_pending_table_read_at_enable, setup),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    free(ram);
    return r;
}

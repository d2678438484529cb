/* libFuzzer harness for the virtual ITS (vdev/vits_cmd.c) over the vGIC's LPIs
 * (vdev/vgic_lpi.c, vdev/vgic.c): the input is a program of commands (mostly near-valid
 * fields, sometimes any 64-bit words), GITS_TRANSLATER writes, GITS_BASER and
 * GICR_PROPBASER changes pointing anywhere, command queues written into the VM's RAM and run
 * from anywhere, and list-register refills. ASan catches any access outside the VM's RAM (a
 * host buffer); after each step the harness checks the tables against a model:
 *   - the mapped events are exactly those the commands that succeeded left (MAPTI/MAPI add
 *     or replace, DISCARD removes, MAPD forgets a device's), each found by a translation,
 *     none beyond the budget;
 *   - every LPI's target is a vCPU of the VM or none; CREADR stays inside the queue and
 *     32-byte aligned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_input.h"
#include "vdev/vgic_priv.h"
#include "vdev/vits.h"
#include "drivers/gic_its_regs.h"
#include "tests/host/stubs.h"

#include "tests/host/check.h"
#include "tests/host/fake_vgic_backends.h"

void host_cache_op(const char *op, uint64_t va) {}

static uint64_t lrs[16];
static uint64_t f_encode(const struct vgic_lr *lr) { return lr->intid | (uint64_t)lr->pending << 32; }
static void f_state(uint64_t v, bool *p, bool *a)
{
    *p = (v >> 32) & 1;
    *a = false;
}
static uint64_t f_lr_read(unsigned n) { return lrs[n]; }
static void f_lr_write(unsigned n, uint64_t v) { lrs[n] = v; }
static void f_ld(struct vgic_cpu *c) {}
static void f_underflow(bool on) {}
static uint8_t f_vpmr(void) { return 0xff; }
static int f_attach(struct vm *vm)
{
    vgic_of(vm)->nr_lrs = 4;
    return 0;
}
FAKE_VGIC_BACKENDS(3UL << 32, 1UL << 32);

#define RAM_IPA  0x40000000UL
#define RAM_SIZE 0x100000UL
#define NVCPU    3

static struct vm vm;
static struct vgic vgic_state, *g;
static struct vits its;
static struct vits_tables tables;
static uint8_t *ram;

/* The model: mapped (dev, ev) -> lpi. */
struct ent {
    uint32_t dev, ev;
};
static struct ent model[VITS_NR_ITES];
static unsigned nmodel;

static int model_find(uint32_t dev, uint32_t ev)
{
    for (unsigned i = 0; i < nmodel; i++)
        if (model[i].dev == dev && model[i].ev == ev)
            return (int)i;
    return -1;
}
static void model_del(unsigned i) { model[i] = model[--nmodel]; }

/* An address that is usually in RAM, sometimes just out, sometimes anything. */
static uint64_t addr(void)
{
    switch (u8() % 4) {
    case 0:
        return take(8);
    case 1:
        return RAM_IPA + RAM_SIZE - 0x1000 * (u8() % 3);
    default:
        return RAM_IPA + (take(3) % RAM_SIZE & ~0xfffUL);
    }
}

static void setup(void)
{
    memset(&vm, 0, sizeof(vm));
    memset(lrs, 0, sizeof(lrs));
    host_reset();
    platform.gic_version = 3;
    if (!ram)
        ram = aligned_alloc(4096, RAM_SIZE);
    memset(ram, 0xa1, RAM_SIZE); /* every LPI enabled wherever the tables land */
    vm.id = 1;
    strcpy(vm.cfg.name, "f");
    vm.cfg.nr_vcpus = NVCPU;
    vm.cfg.ram_ipa = RAM_IPA;
    vm.cfg.ram_size = RAM_SIZE;
    vm.ram_pa = (uint64_t)(uintptr_t)ram;
    for (unsigned i = 0; i < NVCPU; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i;
    }
    percpu_data[0].vcpu = &vm.vcpu[0];
    vm.hw[VCPU_HW_VGIC].state = &vgic_state;
    CHECK(vgic_attach(&vm) == 0);
    g = vgic_of(&vm);
    g->grp1_en = true;
    vgic_lpi_attach(&vm, 0x08080000, GITS_FRAME_SIZE);
    for (unsigned rd = 0; rd < NVCPU; rd++) {
        uint64_t v = (RAM_IPA + 0x10000) | 13;
        vgic_lpi_rd_access(g, rd, GICR_PROPBASER, 8, true, &v);
        v = RAM_IPA + 0x20000;
        vgic_lpi_rd_access(g, rd, GICR_PENDBASER, 8, true, &v);
        v = GICR_CTLR_ENABLE_LPIS;
        if (rd < 2) /* redistributor 2 keeps LPIs disabled */
            vgic_lpi_rd_access(g, rd, GICR_CTLR, 4, true, &v);
    }
    memset(&its, 0, sizeof(its));
    its.vm = &vm;
    its.t = &tables;
    vits_reset(&its);
    vits_set_baser(&its, 0, GITS_BASER_VALID | (RAM_IPA + 0x30000));
    vits_set_baser(&its, 1, GITS_BASER_VALID | (RAM_IPA + 0x31000));
    its.enabled = true;
    nmodel = 0;
}

static void gen_cmd(uint64_t c[4])
{
    static const uint8_t ids[] = { ITS_CMD_MAPD,   ITS_CMD_MAPC,    ITS_CMD_MAPTI, ITS_CMD_MAPI, ITS_CMD_MOVI,
                                   ITS_CMD_INT,    ITS_CMD_CLEAR,   ITS_CMD_SYNC,  ITS_CMD_INV,  ITS_CMD_INVALL,
                                   ITS_CMD_MOVALL, ITS_CMD_DISCARD, ITS_CMD_MAPTI, ITS_CMD_INT };
    if (u8() % 16 == 0) {
        for (unsigned i = 0; i < 4; i++)
            c[i] = take(8);
        return;
    }
    uint8_t id = ids[u8() % sizeof(ids)];
    uint32_t dev = u8() % 8 == 0 ? (uint32_t)take(4) : u8() % 6;
    uint32_t ev = u8() % 8 == 0 ? (uint32_t)take(4) : u8() % 20;
    uint32_t lpi = u8() % 8 == 0 ? (uint32_t)take(4) : VGIC_LPI_BASE + (uint32_t)take(2) % (VGIC_NR_LPIS + 8);
    if (id == ITS_CMD_MAPI && u8() % 2)
        ev = lpi;
    uint64_t icid = u8() % 8 == 0 ? take(2) : u8() % 6;
    uint64_t rd = u8() % 8 == 0 ? take(5) : u8() % 4;
    c[0] = id | (uint64_t)dev << 32;
    c[1] = ev | (uint64_t)lpi << 32;
    if (id == ITS_CMD_MAPD)
        c[1] = u8() % 18;
    c[2] = icid | rd << 16 | (u8() % 4 ? ITS_CMD_VALID : 0);
    if (id == ITS_CMD_MAPD)
        c[2] = (addr() & ITS_CMD_ITT_MASK) | (u8() % 4 ? ITS_CMD_VALID : 0);
    c[3] = (uint64_t)(u8() % 4) << 16;
}

/* What a successful command did to the set of mapped events. */
static void model_apply(const uint64_t c[4])
{
    uint32_t dev = (uint32_t)(c[0] >> 32), ev = (uint32_t)c[1];
    int i;
    switch (c[0] & 0xff) {
    case ITS_CMD_MAPD:
        for (unsigned k = 0; k < nmodel;)
            if (model[k].dev == dev)
                model_del(k);
            else
                k++;
        break;
    case ITS_CMD_MAPTI:
    case ITS_CMD_MAPI:
        if (model_find(dev, ev) < 0)
            model[nmodel++] = (struct ent){ dev, ev };
        break;
    case ITS_CMD_DISCARD:
        if ((i = model_find(dev, ev)) >= 0)
            model_del((unsigned)i);
        break;
    default:
        break;
    }
}

static void check(void)
{
    unsigned used = 0;
    for (unsigned i = 0; i < VITS_HASH_SLOTS; i++) {
        const struct vits_ite *e = &tables.ite[i];
        if (!e->lpi)
            continue;
        used++;
        CHECK(vgic_is_lpi(e->lpi));
        CHECK(e->dev < VITS_NR_DEVICES && tables.dev_bits[e->dev] && e->ev < (1UL << tables.dev_bits[e->dev]));
        CHECK(model_find(e->dev, e->ev) >= 0);
    }
    CHECK(used == tables.nr_ites && used == nmodel && used <= VITS_NR_ITES);
    /* Each is found by a lookup (a translation): never "unmapped" or out of range. */
    for (unsigned i = 0; i < nmodel; i++) {
        enum vits_err e = vits_translate(&its, model[i].dev, model[i].ev);
        CHECK(e == VITS_OK || e == VITS_E_UNMAPPED_COLL || e == VITS_E_COLLECTION_OOR || e == VITS_E_LPIS_DISABLED ||
              (e == VITS_E_DEVICE_OOR && its.dev_entries <= model[i].dev) || !its.enabled);
    }
    for (unsigned i = 0; i < VGIC_NR_LPIS; i++)
        CHECK(g->lpi[i].target == VGIC_NO_TARGET || g->lpi[i].target < NVCPU);
    CHECK(its.creadr % 32 == 0 && its.creadr < (REG_GET(its.cbaser, GITS_CBASER_SIZE) + 1) * 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_start(data, size);
    setup();
    for (unsigned step = 0; step < 200 && in_n; step++) {
        uint64_t c[4];
        switch (u8() % 10) {
        case 0: /* GITS_BASER<n>: tables anywhere (writable only while disabled) */
            its.enabled = false;
            vits_set_baser(&its, u8() % 2, (u8() % 4 ? GITS_BASER_VALID : 0) | addr() | u8());
            its.enabled = true;
            break;
        case 1: { /* PROPBASER anywhere, then INVALL */
            struct vgic_cpu *rc = &g->cpu[u8() % NVCPU];
            rc->propbaser = (addr() & GICR_PROPBASER_PA_MASK) | (u8() % 16);
            uint64_t inv[4] = { ITS_CMD_INVALL, 0, u8() % 6, 0 };
            vits_cmd(&its, inv);
            break;
        }
        case 2: /* GITS_TRANSLATER */
            vits_translate(&its, u8() % 8, u8() % 24);
            break;
        case 3: { /* a command queue somewhere, some commands written into it, CWRITER anywhere */
            its.cbaser = (u8() % 8 ? GITS_CBASER_VALID : 0) | (addr() & GITS_CBASER_PA_MASK) | u8() % 3;
            its.creadr = 0;
            its.stalled = false;
            uint64_t qbase = its.cbaser & GITS_CBASER_PA_MASK;
            unsigned n = u8() % 8;
            for (unsigned k = 0; k < n; k++) {
                gen_cmd(c);
                uint8_t *p = vm_ram_ptr(&vm, qbase + 32 * k, 32);
                if (p)
                    memcpy(p, c, 32);
            }
            its.cwriter = u8() % 16 == 0 ? take(3) & GITS_CQ_OFFSET_MASK : 32 * n;
            /* The queue's effects are not modelled: start the model from the tables. */
            vits_process(&its);
            nmodel = 0;
            for (unsigned i = 0; i < VITS_HASH_SLOTS; i++)
                if (tables.ite[i].lpi)
                    model[nmodel++] = (struct ent){ tables.ite[i].dev, tables.ite[i].ev };
            its.cbaser = its.creadr = its.cwriter = 0;
            break;
        }
        case 4: { /* a vCPU entry and the guest taking everything */
            unsigned v = u8() % NVCPU;
            percpu_data[0].vcpu = &vm.vcpu[v];
            g->cpu[v].loaded = true; /* the entry of a loaded vCPU; it is put again after */
            vgic_flush(&vm.vcpu[v]);
            if (u8() % 2)
                memset(lrs, 0, sizeof(lrs));
            vgic_sync(&vm.vcpu[v]);
            g->cpu[v].loaded = false;
            break;
        }
        default:
            gen_cmd(c);
            if (vits_cmd(&its, c) == VITS_OK)
                model_apply(c);
            break;
        }
        check();
    }
    return 0;
}

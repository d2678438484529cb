/* Host tests of MMIO emulation (core/mmio.c) through its seams: fake devices registered with
 * vm_add_mmio as a device kind's attach does, stage 2 data aborts given as ESR_EL2 / FAR_EL2 /
 * HPFAR_EL2 values (the fake system registers of tests/host/stubs.c), and a fake stage 1 walk
 * (guest_va_to_ipa, identity over the VM's RAM) for the instructions the hypervisor decodes
 * itself (ISV=0). What is checked is what the guest sees: its registers, its PC, an injected
 * abort in ESR_EL1/FAR_EL1, and what each device was asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/mmio.h"
#include "core/stage2.h"
#include "core/vm.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/guest_at.h"
#include "tests/host/stubs.h"

#define RAM_IPA  0x40000000UL
#define RAM_SIZE 0x10000UL
#define DEV_A    0x09000000UL /* two 4 KiB windows, back to back */
#define DEV_B    0x09001000UL
#define VBAR     0x40008000UL
#define PC       0x40001000UL

/* ---- fakes beside the code under test ------------------------------------------------------ */

/* The guest's stage 1 for ISV=0 decoding: VA = IPA everywhere. */
int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa)
{
    *ipa = va;
    return 0;
}

/* The VM's stage 2 (core/stage2.c): one page mapped inside DEV_B's window, as ivshmem's BAR2
 * is inside its bar-window. */
#define DEV_B_MAPPED (DEV_B + 0x800)
bool stage2_lookup(struct vm *vm, uint64_t ipa, struct stage2_leaf *leaf)
{
    if (ipa < DEV_B_MAPPED || ipa >= DEV_B_MAPPED + 0x800)
        return false;
    *leaf = (struct stage2_leaf){ ipa & ~0xfffUL, PT_S2_RAM, 0x1000 };
    return true;
}

void fp_ctx_save(struct fp_ctx *c) {}
void fp_ctx_restore(const struct fp_ctx *c) {}
void fp_reg_write(unsigned n, const uint64_t v[2]) {}

/* A device that records its accesses and answers reads from `value`. */
struct fake_dev {
    unsigned reads, writes;
    uint64_t last_off, last_val;
    unsigned last_size;
    uint64_t value;
    int rc; /* what every access returns: 0, MMIO_OPS_RETRY or an error */
};

static int fake_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct fake_dev *d = dev;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    *val = d->value;
    return d->rc;
}

static int fake_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct fake_dev *d = dev;
    d->writes++;
    d->last_off = off;
    d->last_size = size;
    d->last_val = val;
    return d->rc;
}

static const struct mmio_ops fake_ops = { .read = fake_read, .write = fake_write };
static const struct mmio_ops fake_ops_mapped_inside = { .read = fake_read, .write = fake_write, .stage2_inside = true };

static struct vm vm;
static struct vcpu *v;
static struct fake_dev a, b;
static uint8_t ram[RAM_SIZE] __attribute__((aligned(16)));

static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(ram, 0, sizeof(ram));
    vm.cfg.ram_ipa = RAM_IPA;
    vm.cfg.ram_size = RAM_SIZE;
    vm.ram_pa = (uint64_t)(uintptr_t)ram;
    vm.cfg.nr_vcpus = 1;
    v = &vm.vcpu[0];
    v->vm = &vm;
    v->regs.pc = PC;
    v->regs.pstate = 0x3c5; /* EL1h */
    host_sysreg_write("vbar_el1", VBAR);
    assert_int_equal(vm_add_mmio(&vm, DEV_A, 0x1000, &fake_ops, &a), 0);
    assert_int_equal(vm_add_mmio(&vm, DEV_B, 0x1000, &fake_ops, &b), 0);
    return 0;
}

/* DEV_B's window as one whose parts the VM's stage 2 may map (ivshmem's bar-window). */
static int setup_mapped_inside(void **state)
{
    setup(state);
    vm.mmio[1].ops = &fake_ops_mapped_inside;
    return 0;
}

/* A stage 2 data abort at ipa with the given ISS (ISV, SAS, SSE, SRT, SF, WnR as the CPU reports
 * them), then the exit handler. */
static void abort_at(uint64_t ipa, uint32_t iss)
{
    host_sysreg_write("far_el2", ipa); /* VA = IPA */
    host_sysreg_write("hpfar_el2", (ipa >> 12) << 4);
    mmio_abort(v, (uint64_t)ESR_EC_DABT_LOW << 26 | 1UL << 25 | iss);
}

#define DFSC_TRANSLATION_L3 0x07 /* what an access to an unmapped IPA reports */
#define DFSC_ALIGNMENT      0x21

static uint32_t iss(unsigned size_log2, unsigned rt, bool write, bool sign, bool sf)
{
    return DFSC_TRANSLATION_L3 | ESR_DABT_ISV | size_log2 << ESR_DABT_SAS_SHIFT | (sign ? ESR_DABT_SSE : 0) |
           rt << ESR_DABT_SRT_SHIFT | (sf ? 1u << 15 : 0) | (write ? 1u << 6 : 0);
}

static void expect_abort_injected(uint64_t far)
{
    assert_int_equal(v->regs.pc, VBAR + 0x200); /* current EL with SP_ELx, synchronous */
    assert_int_equal(host_sysreg_read("elr_el1"), PC);
    assert_int_equal(host_sysreg_read("esr_el1") >> 26, 0x25);  /* data abort, same EL */
    assert_int_equal(host_sysreg_read("esr_el1") & 0x3f, 0x10); /* synchronous external abort */
    assert_int_equal(host_sysreg_read("far_el1"), far);
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void test_write_reaches_its_window(void **state)
{
    v->regs.x[3] = 0x1122334455667788UL;
    abort_at(DEV_B + 0x30, iss(2, 3, true, false, false));
    assert_int_equal(a.writes, 0);
    assert_int_equal(b.writes, 1);
    assert_int_equal(b.last_off, 0x30);
    assert_int_equal(b.last_size, 4);
    assert_int_equal(b.last_val, 0x1122334455667788UL); /* the device keeps the low bytes it wants */
    assert_int_equal(v->regs.pc, PC + 4);
}

static void test_read_extends_as_the_instruction_says(void **state)
{
    a.value = 0x80;
    abort_at(DEV_A + 8, iss(0, 5, false, true, true)); /* LDRSB X5 */
    assert_int_equal(v->regs.x[5], 0xffffffffffffff80UL);
    abort_at(DEV_A + 8, iss(0, 6, false, true, false)); /* LDRSB W6 */
    assert_int_equal(v->regs.x[6], 0xffffff80UL);
    a.value = 0xfedcba9876543210UL;
    abort_at(DEV_A + 8, iss(3, 7, false, false, true)); /* LDR X7 */
    assert_int_equal(v->regs.x[7], 0xfedcba9876543210UL);
    assert_int_equal(a.reads, 3);
    assert_int_equal(v->regs.pc, PC + 12);
}

static void test_xzr_is_not_a_register(void **state)
{
    v->regs.x[30] = 0x5555;
    a.value = 0x1234;
    abort_at(DEV_A, iss(2, 31, false, false, false)); /* LDR WZR: the value is dropped */
    assert_int_equal(v->regs.x[30], 0x5555);
    abort_at(DEV_A, iss(2, 31, true, false, false)); /* STR WZR: the device sees 0 */
    assert_int_equal(a.last_val, 0);
    assert_int_equal(v->regs.pc, PC + 8);
}

static void test_no_window_injects_an_abort(void **state)
{
    abort_at(DEV_B + 0x1000, iss(2, 1, false, false, false)); /* just past the last window */
    assert_int_equal(a.reads + b.reads, 0);
    expect_abort_injected(DEV_B + 0x1000);
}

static void test_access_across_a_window_end(void **state)
{
    abort_at(DEV_A + 0xffc, iss(3, 1, false, false, true)); /* 8 bytes, 4 in each window */
    assert_int_equal(a.reads + b.reads, 0);
    expect_abort_injected(DEV_A + 0xffc);
}

static void test_refusing_device(void **state)
{
    a.rc = -1;
    v->regs.x[2] = 7;
    abort_at(DEV_A + 4, iss(2, 2, false, false, false));
    assert_int_equal(a.reads, 1);
    assert_int_equal(v->regs.x[2], 7); /* untouched */
    expect_abort_injected(DEV_A + 4);
}

static void test_retry_leaves_the_pc(void **state)
{
    b.rc = MMIO_OPS_RETRY;
    abort_at(DEV_B, iss(2, 0, true, false, false));
    assert_int_equal(b.writes, 1);
    assert_int_equal(v->regs.pc, PC); /* the guest executes the store again */
}

static void test_dispatch_follows_each_access(void **state)
{
    uint64_t val = 0;
    a.value = 1;
    b.value = 2;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mmio_dispatch(v, i & 1 ? DEV_B : DEV_A, 4, 0, &val), 0);
        assert_int_equal(val, i & 1 ? 2 : 1);
    }
    assert_int_equal(mmio_dispatch(v, DEV_A - 4, 4, 0, &val), MMIO_NO_DEVICE);
    a.rc = -5;
    assert_int_equal(mmio_dispatch(v, DEV_A, 4, 0, &val), MMIO_REFUSED);
}

/* A fault that is no translation, access flag or permission fault (an alignment fault, say) is
 * no MMIO access even at a device's address: abort, and the device is not asked. */
static void test_other_faults_are_not_mmio(void **state)
{
    abort_at(DEV_A, (iss(2, 1, false, false, false) & ~0x3fu) | DFSC_ALIGNMENT);
    assert_int_equal(a.reads, 0);
    expect_abort_injected(DEV_A);
}

/* A Permission fault is a write to memory stage 2 maps read-only (a VM's flash): refused with an
 * abort, and no device is asked even if HPFAR_EL2 (UNKNOWN for it) names a device's window. */
#define DFSC_PERMISSION_L3 0x0f
static void test_permission_fault_is_refused(void **state)
{
    abort_at(DEV_A, (iss(2, 1, true, false, false) & ~0x3fu) | DFSC_PERMISSION_L3);
    assert_int_equal(a.writes, 0);
    assert_int_equal(a.reads, 0);
    expect_abort_injected(DEV_A);
}

/* Firmware runs from its flash before it relocates: an instruction without syndrome is fetched
 * from there too (read-only memory outside RAM). */
static void test_instruction_fetched_from_flash(void **state)
{
    static uint32_t flash[1024];
    const uint32_t ldr_w1_x0 = 0xb9400001u;
    flash[0x40 / 4] = ldr_w1_x0;
    vm.cfg.flash_ipa = 0;
    vm.cfg.flash_size = sizeof(flash);
    vm.flash_pa = (uint64_t)(uintptr_t)flash;
    v->regs.pc = 0x40;
    v->regs.x[0] = DEV_B + 8;
    b.value = 0x5a5a;
    abort_at(DEV_B + 8, DFSC_TRANSLATION_L3); /* ISV = 0, a read */
    assert_int_equal(b.reads, 1);
    assert_int_equal(v->regs.x[1], 0x5a5a);
    assert_int_equal(v->regs.pc, 0x44);
}

/* ISV=0: the hypervisor fetches and decodes the instruction. LDP W1, W2, [X0] at PC reads the
 * device twice, 4 bytes each, and advances the PC. */
static void test_instruction_decoded_without_syndrome(void **state)
{
    const uint32_t ldp_w1_w2_x0 = 0x29400801u;
    memcpy(ram + (PC - RAM_IPA), &ldp_w1_w2_x0, 4);
    v->regs.x[0] = DEV_A + 0x10;
    a.value = 0xabcd;
    abort_at(DEV_A + 0x10, DFSC_TRANSLATION_L3); /* ISV = 0, a read */
    assert_int_equal(a.reads, 2);
    assert_int_equal(a.last_off, 0x14);
    assert_int_equal(v->regs.x[1], 0xabcd);
    assert_int_equal(v->regs.x[2], 0xabcd);
    assert_int_equal(v->regs.pc, PC + 4);
}

/* An instruction the hypervisor cannot fetch (PC outside the VM's RAM) is an abort, not a
 * crash. */
static void test_unfetchable_instruction(void **state)
{
    v->regs.pc = DEV_A;
    abort_at(DEV_B, DFSC_TRANSLATION_L3);
    assert_int_equal(b.reads, 0);
    assert_int_equal(host_sysreg_read("elr_el1"), DEV_A);
    assert_int_equal(host_sysreg_read("esr_el1") >> 26, 0x25);
}

/* ---- mmio_abort_via: a guest hypervisor's guest (L2), its IPAs behind another stage ------- */

#define L2_CODE 0x70000000UL /* -> the VM's RAM */
#define L2_DEV  0x80000000UL /* -> DEV_A, and + 4 KiB -> DEV_B */
static unsigned xlate_calls;
static int xlate_kind[8];

static bool l2_to_vm(struct vcpu *vc, uint64_t ipa, int kind, uint64_t *out)
{
    xlate_kind[xlate_calls++ % 8] = kind;
    if (ipa >= L2_CODE && ipa < L2_CODE + RAM_SIZE)
        *out = RAM_IPA + (ipa - L2_CODE);
    else if (ipa >= L2_DEV && ipa < L2_DEV + 0x2000)
        *out = DEV_A + (ipa - L2_DEV);
    else
        return false;
    return true;
}

static const struct mmio_xlate l2_xlate = { .to_vm = l2_to_vm };

/* The abort reports an L2 address (FAR, HPFAR); the access is emulated at vm_ipa. */
static void abort_via(uint64_t l2ipa, uint64_t vm_ipa, uint32_t iss)
{
    host_sysreg_write("far_el2", l2ipa); /* VA = IPA */
    host_sysreg_write("hpfar_el2", (l2ipa >> 12) << 4);
    mmio_abort_via(v, (uint64_t)ESR_EC_DABT_LOW << 26 | 1UL << 25 | iss, vm_ipa, &l2_xlate);
}

/* ISV=1: the syndrome at the VM IPA the caller gives; nothing else translated. */
static void test_via_syndrome_at_the_vm_ipa(void **state)
{
    xlate_calls = 0;
    v->regs.x[3] = 0x77;
    abort_via(L2_DEV + 0x18, DEV_A + 0x18, iss(2, 3, true, false, false));
    assert_int_equal(a.writes, 1);
    assert_int_equal(a.last_off, 0x18);
    assert_int_equal(a.last_val, 0x77);
    assert_int_equal(xlate_calls, 0);
    assert_int_equal(v->regs.pc, PC + 4);
}

/* ISV=0: the instruction is fetched through the other stage (for execution) and decoded. */
static void test_via_instruction_fetched_through_the_stage(void **state)
{
    const uint32_t ldp_w1_w2_x0 = 0x29400801u;
    memcpy(ram + 0x100, &ldp_w1_w2_x0, 4);
    xlate_calls = 0;
    v->regs.pc = L2_CODE + 0x100;
    v->regs.x[0] = L2_DEV + 0x10;
    a.value = 0x1234;
    abort_via(L2_DEV + 0x10, DEV_A + 0x10, DFSC_TRANSLATION_L3);
    assert_int_equal(a.reads, 2);
    assert_int_equal(v->regs.x[2], 0x1234);
    assert_int_equal(v->regs.pc, L2_CODE + 0x104);
    assert_int_equal(xlate_calls, 1);
    assert_int_equal(xlate_kind[0], MMIO_XLATE_EXEC);
}

/* ISV=0, an access across two pages: each page is its own translation (here two devices). */
static void test_via_access_across_pages(void **state)
{
    const uint32_t ldr_x1_x0 = 0xf9400001u;
    memcpy(ram + 0x100, &ldr_x1_x0, 4);
    xlate_calls = 0;
    v->regs.pc = L2_CODE + 0x100;
    v->regs.x[0] = L2_DEV + 0xffc;
    a.value = 0x11111111;
    b.value = 0x22222222;
    abort_via(L2_DEV + 0xffc, DEV_A + 0xffc, DFSC_TRANSLATION_L3);
    assert_int_equal(a.reads, 1);
    assert_int_equal(a.last_off, 0xffc);
    assert_int_equal(a.last_size, 4);
    assert_int_equal(b.reads, 1);
    assert_int_equal(b.last_off, 0);
    assert_int_equal(b.last_size, 4);
    assert_int_equal(v->regs.x[1], 0x2222222211111111UL);
    assert_int_equal(xlate_kind[1], MMIO_XLATE_READ);
}

/* The other stage refuses the second page: after the first piece (a read), an abort for the guest. */
static void test_via_refused_page_is_an_abort(void **state)
{
    const uint32_t ldr_x1_x0 = 0xf9400001u;
    memcpy(ram + 0x100, &ldr_x1_x0, 4);
    v->regs.pc = L2_CODE + 0x100;
    v->regs.x[0] = L2_DEV + 0x1ffc;
    abort_via(L2_DEV + 0x1ffc, DEV_B + 0xffc, DFSC_TRANSLATION_L3);
    assert_int_equal(b.reads, 1);
    assert_int_equal(host_sysreg_read("esr_el1") >> 26, 0x25);
    assert_int_equal(host_sysreg_read("elr_el1"), L2_CODE + 0x100);
}

/* What a guest hypervisor's guest reaches as the VM's device (mmio_is_device): the windows,
 * but not where the VM's stage 2 maps part of one (the VM's access there never traps). */
static void test_is_device_but_where_stage2_maps(void **state)
{
    assert_true(mmio_is_device(&vm, DEV_A));
    assert_true(mmio_is_device(&vm, DEV_B + 0x7ff));
    assert_false(mmio_is_device(&vm, DEV_B_MAPPED));
    assert_false(mmio_is_device(&vm, DEV_B + 0xfff));
    assert_false(mmio_is_device(&vm, DEV_B + 0x1000));
    assert_false(mmio_is_device(&vm, RAM_IPA));
    vm.mmio[1].ops = &fake_ops; /* a window without the flag: the device whatever stage 2 says */
    assert_true(mmio_is_device(&vm, DEV_B_MAPPED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_write_reaches_its_window, setup),
        cmocka_unit_test_setup(test_permission_fault_is_refused, setup),
        cmocka_unit_test_setup(test_instruction_fetched_from_flash, setup),
        cmocka_unit_test_setup(test_read_extends_as_the_instruction_says, setup),
        cmocka_unit_test_setup(test_xzr_is_not_a_register, setup),
        cmocka_unit_test_setup(test_no_window_injects_an_abort, setup),
        cmocka_unit_test_setup(test_access_across_a_window_end, setup),
        cmocka_unit_test_setup(test_refusing_device, setup),
        cmocka_unit_test_setup(test_retry_leaves_the_pc, setup),
        cmocka_unit_test_setup(test_dispatch_follows_each_access, setup),
        cmocka_unit_test_setup(test_other_faults_are_not_mmio, setup),
        cmocka_unit_test_setup(test_instruction_decoded_without_syndrome, setup),
        cmocka_unit_test_setup(test_unfetchable_instruction, setup),
        cmocka_unit_test_setup(test_via_syndrome_at_the_vm_ipa, setup),
        cmocka_unit_test_setup(test_via_instruction_fetched_through_the_stage, setup),
        cmocka_unit_test_setup(test_via_access_across_pages, setup),
        cmocka_unit_test_setup(test_via_refused_page_is_an_abort, setup),
        cmocka_unit_test_setup(test_is_device_but_where_stage2_maps, setup_mapped_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

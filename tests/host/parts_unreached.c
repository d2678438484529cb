/* Host stand-ins for what the virtual CPU hardware parts (vdev/vcpu_hw_table.c) call outside
 * themselves, for harnesses that link the whole table to drive one part (tests/fuzz/fuzz_vgic.c,
 * tests/unit/race_power_reset.c). Virtual EL2 (vdev/nested.c) is inert for their VMs, and they
 * have no SVE or FP state: the calls that would mean a part left its lane abort the program;
 * the ones every vCPU load or put makes do nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "arch/aarch64/cache.h"
#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sve_ctx.h"
#include "core/exit.h"
#include "drivers/timer.h"
#include "vdev/vpsci.h"

enum exit_result vpsci_hvc(struct vcpu *v, uint64_t esr) { abort(); }
enum exit_result vpsci_smc(struct vcpu *v, uint64_t esr) { abort(); }
enum exit_result exit_dabt(struct vcpu *v, uint64_t esr) { abort(); }
enum exit_result exit_iabt(struct vcpu *v, uint64_t esr) { abort(); }
void tlb_flush_el1_local(void) { abort(); }
void tlb_flush_el1_all(void) { abort(); }

uint64_t timer_now(void) { return 0; }
void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg) {}
void timer_stop(struct hyp_timer *t) {}

void fp_ctx_save(struct fp_ctx *c) {}
void fp_ctx_restore(const struct fp_ctx *c) {}
void sve_ctx_save(void *buf) {}
void sve_ctx_restore(const void *buf) {}
unsigned long sve_vl_bytes(void) { return 16; }

void host_cache_op(const char *op, uint64_t va) {} /* vdev/vgic_lpi.c: no caches on the host */

/* Host stand-ins for the shadow stage 2 (vdev/nested_s2.c), for harnesses that link
 * vdev/nested.c to drive its registers, HVC,
 * SMC and ERET but never run a guest hypervisor's guest on a shadow: a shadow is attached
 * empty; a fill means the harness left its lane and aborts. */
#include <stdlib.h>

#include "vdev/nested_s2.h"
#include "core/mmio.h"

void nested_s2_attach(struct vm *vm, struct nested_shadow *s, uint8_t *pool, unsigned vcpu) { s->pool = pool; }
uint64_t nested_s2_enter(struct nested_shadow *s, uint64_t vtcr, uint64_t vttbr, unsigned gen) { return s->vttbr; }
int nested_s2_fault(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec, uint8_t *fsc,
                    uint64_t *l1ipa)
{
    abort();
}
uint8_t nested_s2_walk(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                       struct s2walk_result *r)
{
    abort();
}
bool nested_s2_fill_read(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, uint64_t *val, uint8_t *fsc)
{
    abort();
}
bool nested_s2_translate(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                         uint64_t *l1ipa)
{
    abort();
}
void nested_s2_zap(struct nested_shadow *s) { s->zaps++; }
void nested_s2_zap_ipa(struct nested_shadow *s, uint64_t ipa, uint64_t size, unsigned vmid) { s->zaps++; }
unsigned nested_s2_vmid(uint64_t vtcr, uint64_t vttbr) { return (unsigned)(vttbr >> 48) & 0xffu; }
bool nested_s2_tlbi_range(unsigned crm, unsigned op2, uint64_t xt, uint64_t *ipa, uint64_t *size) { return false; }
/* Reached only from a shadow's fault (core/mmio.c is not linked). */
enum exit_result mmio_abort_via(struct vcpu *v, uint64_t esr, uint64_t vm_ipa, const struct mmio_xlate *x) { abort(); }

/* Host stand-in for the EL1 physical timer call of virtual EL2 (vdev/nested.c, nested_vhe.c),
 * for harnesses that link them without vdev/vptimer.c and have no VM at virtual EL2
 * (tests/fuzz/fuzz_smccc.c): reaching it would mean the harness left its lane, and aborts. */
#include <stdlib.h>

#include "vdev/vptimer.h"

void vptimer_vhe(struct vcpu *v, bool on) { abort(); }
uint64_t vptimer_read(struct vcpu *v, unsigned which, unsigned reg) { abort(); }
void vptimer_write(struct vcpu *v, unsigned which, unsigned reg, uint64_t val) { abort(); }

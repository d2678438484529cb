/* Host stand-in for the EL1 physical timer call of virtual EL2 (vdev/nested.c, nested_vhe.c),
 * for harnesses that link them without vdev/vptimer.c and have no VM at virtual EL2
 * (tests/fuzz/fuzz_smccc.c): reaching it would mean the harness left its lane, and aborts. */
#include <stdlib.h>

#include "vdev/vptimer.h"

void vptimer_set_virq(struct vcpu *v, uint32_t virq) { abort(); }

/* Host stand-in for the EL1 virtual timer call of virtual EL2 (vdev/nested.c, nested_vhe.c),
 * for harnesses that link them without vdev/vtimer.c and have no VM at virtual EL2
 * (tests/fuzz/fuzz_smccc.c): reaching it would mean the harness left its lane, and aborts. */
#include <stdlib.h>

#include "vdev/vtimer.h"

void vtimer_park(struct vcpu *v, const uint64_t *ctl, const uint64_t *cval, const uint64_t *off) { abort(); }

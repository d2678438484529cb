/* Ticket spinlock: FIFO fairness so that a CPU flooding a lock cannot starve another. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdint.h>
#include "arch/aarch64/sysreg.h" /* cpu_relax(): header-only, a no-op in host tests */

typedef struct {
    uint16_t next;
    uint16_t owner;
} spinlock_t;

#define SPINLOCK_INIT \
    {                 \
        0, 0          \
    }

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

#endif

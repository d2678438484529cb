/* Symbolizing addresses inside the hypervisor image from its embedded symbol table. */
#ifndef ARCH_SYMBOLS_H
#define ARCH_SYMBOLS_H

#include <stdint.h>

/* The name of the function containing addr and the offset into it, or NULL. */
#if CONFIG_SYMBOLS
const char *symbol_lookup(uint64_t addr, uint64_t *offset);
#else
/* Left out of this build (CONFIG_SYMBOLS=n, docs/build.md): no table, bare addresses. */
static inline const char *symbol_lookup(uint64_t addr, uint64_t *offset) { return 0; }
#endif

#endif

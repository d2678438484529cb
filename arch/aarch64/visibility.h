/* Included first in every hypervisor C file (the Makefile's -include). elvisor is one
 * statically linked position-independent image: no symbol can be preempted or come from a
 * shared object, so every symbol is hidden. The compiler then reaches functions and data of
 * other files directly (BL, ADRP+ADD) instead of through the GOT (ADRP+LDR+BLR, and a load
 * before each access to a global): two instructions per call across files, one per global
 * access, on every exit path (docs/performance.md), and fewer relocations in the image. */
#ifndef ARCH_AARCH64_VISIBILITY_H
#define ARCH_AARCH64_VISIBILITY_H

#pragma GCC visibility push(hidden)

#endif

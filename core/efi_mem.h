/* RAM from a UEFI memory map (docs/booting.md): the EFI stub hands core the map GetMemoryMap
 * returned when elvisor left boot services; it replaces the device tree's memory nodes, as it
 * does for Linux. Pure logic over the map, tested in tests/unit/test_efi_mem.c. */
#ifndef CORE_EFI_MEM_H
#define CORE_EFI_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/range_list.h"

/* Reads map_size bytes of descriptors desc_size apart. Every write-back cacheable range of a
 * type that is system memory goes to ram; the parts of it that must stay untouched after boot
 * services are gone (runtime services code and data, ACPI tables and NVS) go to reserved too.
 * Reserved, unusable, MMIO and persistent memory are not RAM for the hypervisor. Appends to
 * both lists (merging); returns NULL or a one-line reason the map cannot be used. */
/* Whether this build boots from UEFI at all (CONFIG_EFI): without it there is no EFI stub to
 * hand over a map, so a handoff block is never real and every path that reads one folds away. */
static inline bool efi_mem_in_build(void) { return CONFIG_EFI; }

#if CONFIG_EFI
const char *efi_mem_parse(const void *map, uint64_t map_size, uint64_t desc_size, struct range_list *ram,
                          struct range_list *reserved);
#else
/* Without CONFIG_EFI no EFI stub hands over a map (docs/build.md). */
static inline const char *efi_mem_parse(const void *map, uint64_t map_size, uint64_t desc_size, struct range_list *ram,
                                        struct range_list *reserved)
{
    return "EFI memory map: not in this build (CONFIG_EFI=n, docs/build.md)";
}
#endif

#endif

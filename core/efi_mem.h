/* RAM from a UEFI memory map (docs/booting.md): the EFI stub hands core the map GetMemoryMap
 * returned when elvisor left boot services; it replaces the device tree's memory nodes, as it
 * does for Linux. Pure logic over the map, tested in tests/unit/test_efi_mem.c. */
#ifndef CORE_EFI_MEM_H
#define CORE_EFI_MEM_H

#include <stdint.h>
#include "core/platform.h"

/* A list of ranges kept sorted and merged: touching or overlapping ranges become one. */
struct range_list {
    struct mem_range *r;
    unsigned count;
    unsigned max;
};

/* Adds [base, base + size) to the list; -1 when it would need more than max ranges. */
int range_list_add(struct range_list *l, uint64_t base, uint64_t size);

/* Reads map_size bytes of descriptors desc_size apart. Every write-back cacheable range of a
 * type that is system memory goes to ram; the parts of it that must stay untouched after boot
 * services are gone (runtime services code and data, ACPI tables and NVS) go to reserved too.
 * Reserved, unusable, MMIO and persistent memory are not RAM for the hypervisor. Appends to
 * both lists (merging); returns NULL or a one-line reason the map cannot be used. */
const char *efi_mem_parse(const void *map, uint64_t map_size, uint64_t desc_size, struct range_list *ram,
                          struct range_list *reserved);

#endif

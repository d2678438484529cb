/* Physical address ranges as host discovery collects them (core/platform.c: reserved memory,
 * the EFI memory map's RAM): a list kept sorted and merged. Pure logic, tested in
 * tests/unit/test_efi_mem.c. */
#ifndef CORE_RANGE_LIST_H
#define CORE_RANGE_LIST_H

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

#endif

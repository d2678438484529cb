/* See range_list.h. */
#include "core/range_list.h"

int range_list_add(struct range_list *l, uint64_t base, uint64_t size)
{
    if (size == 0)
        return 0;
    uint64_t end = base + size;
    unsigned i = 0;
    while (i < l->count && l->r[i].base <= base)
        i++;
    /* i: the first range starting after base. Join the one before it when they touch. */
    unsigned j;
    if (i > 0 && l->r[i - 1].base + l->r[i - 1].size >= base) {
        j = i - 1;
        if (end > l->r[j].base + l->r[j].size)
            l->r[j].size = end - l->r[j].base;
    } else {
        if (l->count == l->max)
            return -1;
        for (unsigned k = l->count; k > i; k--)
            l->r[k] = l->r[k - 1];
        l->r[i] = (struct mem_range){ base, size };
        l->count++;
        j = i;
    }
    /* The grown range may now reach the ones after it. */
    while (j + 1 < l->count && l->r[j + 1].base <= l->r[j].base + l->r[j].size) {
        uint64_t next_end = l->r[j + 1].base + l->r[j + 1].size;
        if (next_end > l->r[j].base + l->r[j].size)
            l->r[j].size = next_end - l->r[j].base;
        for (unsigned k = j + 1; k + 1 < l->count; k++)
            l->r[k] = l->r[k + 1];
        l->count--;
    }
    return 0;
}

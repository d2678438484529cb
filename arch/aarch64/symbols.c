/* Table layout: see tools/mksyms.py. Offsets are relative to the image base. */
#include "arch/aarch64/symbols.h"
#include "arch/aarch64/sections.h"

struct sym_entry {
    uint32_t offset;
    uint32_t name;
};

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t table_size = image_span(__syms_start, __syms_end);
    if (table_size < 8 || addr < image_base())
        return 0;
    uint64_t count = *(const uint64_t *)__syms_start;
    const struct sym_entry *e = (const struct sym_entry *)(__syms_start + 8);
    const char *names = (const char *)(e + count);
    uint64_t rel = addr - image_base();
    if (count == 0 || count > table_size / sizeof(*e) || rel >= image_span(__image_start, __text_end))
        return 0;
    /* The last entry whose offset is <= rel (entries are sorted by nm -n). */
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (e[mid].offset <= rel)
            lo = mid;
        else
            hi = mid;
    }
    if (e[lo].offset > rel)
        return 0;
    *offset = rel - e[lo].offset;
    return names + e[lo].name;
}

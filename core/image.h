/* The hypervisor's own image in memory and the VM pack the build may have appended to it. */
#ifndef CORE_IMAGE_H
#define CORE_IMAGE_H

#include <stdint.h>

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __bss_start[], __bss_end[];
extern char __syms_start[], __syms_end[];

/* Distance between two linker symbols (as integers: they are not one C object). */
static inline uint64_t image_span(const char *start, const char *end)
{
    return (uint64_t)((uintptr_t)end - (uintptr_t)start);
}

static inline uint64_t image_base(void) { return (uint64_t)(uintptr_t)__image_start; }
/* The header's image_size: the hypervisor plus any appended pack (tools/pack.py rewrites it). */
uint64_t image_loaded_size(void);

/* One file inside the pack, found by the name the configuration uses. */
struct pack_file {
    const void *data;
    uint64_t size;
};
int pack_find(const char *name, struct pack_file *out);
/* The configuration DTB the build packed (a configs/ DTS file), or NULL when there is none. */
const void *pack_config(uint64_t *size);

#endif

/* The hypervisor's own image in memory and the VM pack the build may have appended to it. */
#ifndef CORE_IMAGE_H
#define CORE_IMAGE_H

#include <stdint.h>
#include "arch/aarch64/sections.h" /* the linker symbols, image_span(), image_base() */

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

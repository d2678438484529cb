/* The pack layout is written by tools/pack.py; see docs/config.md. All integers little endian.
 *   header: magic "ELVPACK\0", u32 version (1), u32 count, u64 total_size
 *   count entries of { char name[112]; u64 offset (from the pack start); u64 size }
 * The pack starts right after the hypervisor image (at __image_end). It arrived in memory
 * from the boot loader, so it is checked like any other input before anything is used. */
#include "core/image.h"
#include "lib/string.h"

#define PACK_MAGIC    "ELVPACK"
#define PACK_NAME_LEN 112

struct pack_header {
    char magic[8];
    uint32_t version;
    uint32_t count;
    uint64_t total_size;
};

struct pack_entry {
    char name[PACK_NAME_LEN];
    uint64_t offset;
    uint64_t size;
};

/* image_size is at offset 16 of the Image header (Linux booting.rst). */
uint64_t image_loaded_size(void) { return *(volatile uint64_t *)(__image_start + 16); }

static const struct pack_header *pack_header(void)
{
    uint64_t own = image_span(__image_start, __image_end);
    uint64_t loaded = image_loaded_size();
    const struct pack_header *h = (const struct pack_header *)__image_end;
    if (loaded <= own + sizeof(*h) || memcmp(h->magic, PACK_MAGIC, 8) != 0 || h->version != 1)
        return 0;
    uint64_t avail = loaded - own;
    if (h->total_size > avail || h->count > (avail - sizeof(*h)) / sizeof(struct pack_entry))
        return 0;
    return h;
}

int pack_find(const char *name, struct pack_file *out)
{
    const struct pack_header *h = pack_header();
    if (!h)
        return -1;
    const struct pack_entry *e = (const struct pack_entry *)(h + 1);
    for (uint32_t i = 0; i < h->count; i++) {
        if (strnlen(e[i].name, PACK_NAME_LEN) == PACK_NAME_LEN || strcmp(e[i].name, name) != 0)
            continue;
        if (e[i].offset > h->total_size || e[i].size > h->total_size - e[i].offset)
            return -1;
        out->data = (const char *)h + e[i].offset;
        out->size = e[i].size;
        return 0;
    }
    return -1;
}

const void *pack_config(uint64_t *size)
{
    struct pack_file f;
    if (pack_find("config.dtb", &f) < 0)
        return 0;
    *size = f.size;
    return f.data;
}

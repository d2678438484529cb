/* The flattened device tree format (devicetree specification, chapter 5, DTB v17) as both halves
 * of the device-tree library see it: header layout, structure block tokens, the error codes either half returns,
 * and big-endian field access. The reader (lib/fdt_read.h) and the writer (lib/fdt_write.h)
 * include it; other code needs only FDT_MAGIC and the FDT_E_* codes from here.
 *
 * All multi-byte fields are big-endian and accessed byte by byte: a blob may sit at any address
 * and the target runs with -mstrict-align. */
#ifndef LIB_FDT_FORMAT_H
#define LIB_FDT_FORMAT_H

#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

enum {
    FDT_E_NOTFOUND = -1, /* no such node, property or entry */
    FDT_E_BADMAGIC = -2,
    FDT_E_BADVERSION = -3,
    FDT_E_TRUNCATED = -4,    /* blob shorter than its header says, or a block runs past it */
    FDT_E_BADLAYOUT = -5,    /* header block offsets or sizes misaligned or overlapping */
    FDT_E_BADSTRUCT = -6,    /* malformed structure block */
    FDT_E_BADOFFSET = -7,    /* handle does not name a node or property */
    FDT_E_BADVALUE = -8,     /* property present but of the wrong size or content */
    FDT_E_NOSPACE = -9,      /* writer: buffer too small */
    FDT_E_BADSTATE = -10,    /* writer: call out of order (unbalanced nodes, late reserve...) */
    FDT_E_NOTRANSLATE = -11, /* reg: a bus on the way to the root maps no range holding it */
};

#define FDT_HDR_SIZE  40u /* v17 header; v16 lacks only the last field */
#define FDT_RSV_ENTRY 16u /* memory reservation entry: 64-bit address, 64-bit size */
#define FDT_LAST_VER  17u

/* Header field offsets. */
#define FDT_H_MAGIC        0
#define FDT_H_TOTALSIZE    4
#define FDT_H_OFF_STRUCT   8
#define FDT_H_OFF_STRINGS  12
#define FDT_H_OFF_RSV      16
#define FDT_H_VERSION      20
#define FDT_H_LAST_COMP    24
#define FDT_H_BOOT_CPU     28
#define FDT_H_SIZE_STRINGS 32
#define FDT_H_SIZE_STRUCT  36

/* Structure block tokens. */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

/* Cell i of an array of big-endian 32-bit cells, such as a property value; the caller checks
 * the length. */
static inline uint32_t fdt_cell(const void *val, int i)
{
    const uint8_t *b = (const uint8_t *)val + 4 * i;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t fdt_be32(const uint8_t *p) { return fdt_cell(p, 0); }

static inline uint64_t fdt_be64(const uint8_t *p) { return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4); }

static inline void fdt_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void fdt_put64(uint8_t *p, uint64_t v)
{
    fdt_put32(p, (uint32_t)(v >> 32));
    fdt_put32(p + 4, (uint32_t)v);
}

/* Structure block items are padded to 4 bytes. */
static inline uint32_t fdt_align4(uint32_t v) { return (v + 3u) & ~3u; }

#endif

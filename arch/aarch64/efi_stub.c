/* The EFI stub: elvisor started by UEFI firmware as an EFI application (docs/booting.md).
 *
 * It does what a boot loader does for the Image header's protocol and nothing more: find the
 * device tree in the EFI configuration table (UEFI 2.10, 4.6), take the final memory map
 * (GetMemoryMap, 7.2.3), leave boot services (ExitBootServices, 7.4), and enter primary_entry
 * with the MMU off (efi_entry.S). The memory map goes along in a handoff block so that core
 * uses EFI's description of RAM and keeps away from the runtime services' regions. elvisor
 * calls no runtime service and sets no virtual address map. Runs before anything else of
 * elvisor, on the firmware's stack and page tables; BSS is not cleared yet, so it keeps no
 * state in statics. */
#include <stdbool.h>
#include <stddef.h>
#include "arch/aarch64/efi.h"

efi_status efi_main(void *image, struct efi_system_table *st);
void __attribute__((noreturn))
efi_enter_elvisor(const void *dtb, struct efi_handoff *h, uint64_t h_size, uint64_t dtb_size);

#define FDT_MAGIC 0xd00dfeedu
/* GetMemoryMap may be asked again after ExitBootServices saw a changed map (7.4); a bounded
 * number of tries, each normally enough. */
#define EBS_TRIES 8
/* Descriptors of room beyond the size GetMemoryMap asked for: allocating the buffer adds one
 * or two, and the map may change again before the call that exits. */
#define MAP_SLACK 16

/* ConOut takes UCS-2; the messages are ASCII. "\n" becomes "\r\n". */
static void say(struct efi_system_table *st, const char *msg)
{
    efi_char16 buf[128];
    unsigned n = 0;
    if (!st->con_out)
        return;
    for (const char *p = msg;; p++) {
        if (*p == '\n' || *p == 0 || n >= sizeof(buf) / sizeof(buf[0]) - 3) {
            if (*p == '\n') {
                buf[n++] = '\r';
                buf[n++] = '\n';
            }
            buf[n] = 0;
            st->con_out->output_string(st->con_out, buf);
            n = 0;
            if (*p == 0)
                return;
            if (*p == '\n')
                continue;
        }
        buf[n++] = (efi_char16)(unsigned char)*p;
    }
}

static bool guid_eq(const struct efi_guid *a, const struct efi_guid *b)
{
    if (a->d1 != b->d1 || a->d2 != b->d2 || a->d3 != b->d3)
        return false;
    for (unsigned i = 0; i < sizeof(a->d4); i++)
        if (a->d4[i] != b->d4[i])
            return false;
    return true;
}

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static const void *find_dtb(struct efi_system_table *st)
{
    const struct efi_guid dtb_guid = EFI_DTB_TABLE_GUID;
    for (uint64_t i = 0; i < st->number_of_table_entries; i++)
        if (guid_eq(&st->configuration_table[i].vendor_guid, &dtb_guid))
            return st->configuration_table[i].vendor_table;
    return NULL;
}

/* The handoff block and the memory map behind it, in one EfiLoaderData allocation. Sets
 * *key for ExitBootServices. */
static efi_status get_map(struct efi_boot_services *bs, struct efi_handoff **out, uint64_t *cap, uint64_t *key)
{
    for (unsigned tries = 0; tries < EBS_TRIES; tries++) {
        uint64_t size = 0, desc_size = 0;
        uint32_t version = 0;
        efi_status s = bs->get_memory_map(&size, NULL, key, &desc_size, &version);
        if (s != EFI_BUFFER_TOO_SMALL)
            return s == EFI_SUCCESS ? EFI_LOAD_ERROR : s; /* an empty map: nothing to boot in */
        size += MAP_SLACK * desc_size;
        void *buf;
        s = bs->allocate_pool(EFI_LOADER_DATA, sizeof(struct efi_handoff) + size, &buf);
        if (s != EFI_SUCCESS)
            return s;
        struct efi_handoff *h = buf;
        uint64_t got = size;
        s = bs->get_memory_map(&got, (struct efi_memory_descriptor *)(h + 1), key, &desc_size, &version);
        if (s == EFI_SUCCESS) {
            *h = (struct efi_handoff){ .magic = EFI_HANDOFF_MAGIC,
                                       .map = (uint64_t)(uintptr_t)(h + 1),
                                       .map_size = got,
                                       .desc_size = desc_size,
                                       .desc_version = version };
            *out = h;
            *cap = size;
            return EFI_SUCCESS;
        }
        bs->free_pool(buf);
        if (s != EFI_BUFFER_TOO_SMALL)
            return s;
    }
    return EFI_BUFFER_TOO_SMALL;
}

efi_status efi_main(void *image, struct efi_system_table *st)
{
    struct efi_boot_services *bs = st->boot_services;
    say(st, "elvisor: EFI stub: taking the device tree and the memory map from UEFI\n");
    const void *dtb = find_dtb(st);
    if (!dtb) {
        say(st, "elvisor: cannot boot: UEFI provides no device tree (on QEMU: -machine acpi=off)\n");
        return EFI_NOT_FOUND;
    }
    if (be32(dtb) != FDT_MAGIC) {
        say(st, "elvisor: cannot boot: the EFI device tree table does not hold a DTB\n");
        return EFI_LOAD_ERROR;
    }
    uint64_t dtb_size = be32((const uint8_t *)dtb + 4);

    struct efi_handoff *h;
    uint64_t cap, key;
    efi_status s = get_map(bs, &h, &cap, &key);
    if (s != EFI_SUCCESS) {
        say(st, "elvisor: cannot boot: GetMemoryMap failed\n");
        return s;
    }
    say(st, "elvisor: EFI stub: leaving boot services\n");
    s = bs->exit_boot_services(image, key);
    /* A changed map (an event ran between the calls) is EFI_INVALID_PARAMETER: get the map
     * again into the same buffer, as 7.4 asks (no allocation is allowed any more), and retry.
     * From here on the console may be gone, so failures can only be returned. */
    for (unsigned tries = 1; s == EFI_INVALID_PARAMETER && tries < EBS_TRIES; tries++) {
        uint64_t got = cap, desc_size = h->desc_size;
        uint32_t version = h->desc_version;
        s = bs->get_memory_map(&got, (struct efi_memory_descriptor *)(h + 1), &key, &desc_size, &version);
        if (s != EFI_SUCCESS)
            return s;
        h->map_size = got;
        h->desc_size = desc_size;
        h->desc_version = version;
        s = bs->exit_boot_services(image, key);
    }
    if (s != EFI_SUCCESS)
        return s;
    efi_enter_elvisor(dtb, h, sizeof(*h) + cap, dtb_size);
}

/* See efi_mem.h. The map comes from firmware through the EFI stub; every descriptor is checked
 * before use (a range that wraps, a descriptor size that does not fit the struct). */
#include "core/efi_mem.h"
#include "arch/aarch64/efi.h"

/* Upper bound on the descriptor stride we accept: version 1 descriptors are 40 bytes and
 * firmware pads them (EDK2: 48); anything near a page is not a memory map. */
#define EFI_DESC_SIZE_MAX 1024

enum efi_ram_kind { NOT_RAM, RAM_FREE, RAM_KEEP };

/* UEFI 2.10, 7.2.3, "Memory Type Usage after ExitBootServices()": loader and boot services
 * memory and conventional memory are free for the OS; runtime services memory and ACPI NVS
 * must be preserved; ACPI reclaim memory holds the ACPI tables, which elvisor does not read
 * but keeps for whoever may. */
static enum efi_ram_kind kind_of(uint32_t type)
{
    switch (type) {
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
    case EFI_CONVENTIONAL_MEMORY:
        return RAM_FREE;
    case EFI_RUNTIME_SERVICES_CODE:
    case EFI_RUNTIME_SERVICES_DATA:
    case EFI_ACPI_RECLAIM_MEMORY:
    case EFI_ACPI_MEMORY_NVS:
        return RAM_KEEP;
    default:
        return NOT_RAM;
    }
}

const char *efi_mem_parse(const void *map, uint64_t map_size, uint64_t desc_size, struct range_list *ram,
                          struct range_list *reserved)
{
    if (desc_size < sizeof(struct efi_memory_descriptor) || desc_size > EFI_DESC_SIZE_MAX || desc_size % 8)
        return "EFI memory map: bad descriptor size";
    if (map_size % desc_size)
        return "EFI memory map: size is not a whole number of descriptors";
    const uint8_t *p = map;
    for (uint64_t off = 0; off < map_size; off += desc_size) {
        const struct efi_memory_descriptor *d = (const void *)(p + off);
        enum efi_ram_kind kind = kind_of(d->type);
        if (kind == NOT_RAM || !(d->attribute & EFI_MEMORY_WB) || d->number_of_pages == 0)
            continue;
        if (d->physical_start % EFI_PAGE_SIZE || d->number_of_pages > (UINT64_MAX - d->physical_start) / EFI_PAGE_SIZE)
            return "EFI memory map: a RAM descriptor is unaligned or wraps around";
        uint64_t size = d->number_of_pages * EFI_PAGE_SIZE;
        if (range_list_add(ram, d->physical_start, size) < 0)
            return "EFI memory map: too many separate RAM ranges";
        if (kind == RAM_KEEP && range_list_add(reserved, d->physical_start, size) < 0)
            return "EFI memory map: too many separate runtime services and ACPI regions";
    }
    if (ram->count == 0)
        return "EFI memory map: no RAM";
    return 0;
}

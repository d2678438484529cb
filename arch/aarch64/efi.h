/* The part of the UEFI interface elvisor's EFI stub uses (UEFI Specification 2.10: 4.3 System
 * Table, 4.4 Boot Services table, 4.6 configuration tables, 7.2 memory allocation services,
 * 7.4 ExitBootServices), and what the stub hands to the hypervisor proper (docs/booting.md).
 * On AArch64 UEFI calls follow the AAPCS64 (2.3.6), so the services are plain C function
 * pointers. Only the members used are typed; the others keep the table's layout. */
#ifndef ARCH_EFI_H
#define ARCH_EFI_H

/* Passed in x2 to primary_entry with x1 = the handoff block: any other x2 (the Linux boot
 * protocol says 0) means x1 is not one and is not read. */
#define EFI_HANDOFF_MAGIC 0x454c56454649484f /* "OHIFEVLE" */

#ifndef __ASSEMBLY__
#include <stdint.h>

typedef uint64_t efi_status;
typedef uint16_t efi_char16;

#define EFI_ERROR_BIT         (1ULL << 63)
#define EFI_SUCCESS           0ULL
#define EFI_LOAD_ERROR        (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_BUFFER_TOO_SMALL  (EFI_ERROR_BIT | 5)
#define EFI_NOT_FOUND         (EFI_ERROR_BIT | 14)

struct efi_guid {
    uint32_t d1;
    uint16_t d2, d3;
    uint8_t d4[8];
};

/* The flattened device tree's configuration table (UEFI 2.10, 4.6.4: EFI_DTB_TABLE_GUID). */
#define EFI_DTB_TABLE_GUID                                                             \
    {                                                                                  \
        0xb1b621d5, 0xf19c, 0x41a5, { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 } \
    }

struct efi_table_header {
    uint64_t signature;
    uint32_t revision, header_size, crc32, reserved;
};

struct efi_simple_text_output {
    void *reset;
    efi_status (*output_string)(struct efi_simple_text_output *self, const efi_char16 *s);
    /* more members follow that the stub does not use */
};

/* EFI_MEMORY_TYPE (7.2.1). */
enum efi_memory_type {
    EFI_RESERVED_MEMORY,
    EFI_LOADER_CODE,
    EFI_LOADER_DATA,
    EFI_BOOT_SERVICES_CODE,
    EFI_BOOT_SERVICES_DATA,
    EFI_RUNTIME_SERVICES_CODE,
    EFI_RUNTIME_SERVICES_DATA,
    EFI_CONVENTIONAL_MEMORY,
    EFI_UNUSABLE_MEMORY,
    EFI_ACPI_RECLAIM_MEMORY,
    EFI_ACPI_MEMORY_NVS,
    EFI_MEMORY_MAPPED_IO,
    EFI_MEMORY_MAPPED_IO_PORT_SPACE,
    EFI_PAL_CODE,
    EFI_PERSISTENT_MEMORY,
    EFI_UNACCEPTED_MEMORY,
};

#define EFI_MEMORY_WB      (1ULL << 3) /* the range may be mapped write-back cacheable */
#define EFI_MEMORY_RUNTIME (1ULL << 63)
#define EFI_PAGE_SIZE      4096ULL

/* EFI_MEMORY_DESCRIPTOR (7.2.3), version 1. GetMemoryMap's descriptor size may be larger than
 * this struct: entries are desc_size bytes apart. */
#define EFI_MEMORY_DESCRIPTOR_VERSION 1
struct efi_memory_descriptor {
    uint32_t type;
    uint32_t pad;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages;
    uint64_t attribute;
};

struct efi_boot_services {
    struct efi_table_header hdr;
    void *raise_tpl, *restore_tpl;
    void *allocate_pages, *free_pages;
    efi_status (*get_memory_map)(uint64_t *map_size, struct efi_memory_descriptor *map, uint64_t *map_key,
                                 uint64_t *desc_size, uint32_t *desc_version);
    efi_status (*allocate_pool)(uint32_t type, uint64_t size, void **buffer);
    efi_status (*free_pool)(void *buffer);
    void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
    void *install_protocol_interface, *reinstall_protocol_interface, *uninstall_protocol_interface;
    void *handle_protocol, *reserved, *register_protocol_notify, *locate_handle, *locate_device_path;
    void *install_configuration_table;
    void *load_image, *start_image, *exit, *unload_image;
    efi_status (*exit_boot_services)(void *image_handle, uint64_t map_key);
    /* more members follow that the stub does not use */
};

struct efi_configuration_table {
    struct efi_guid vendor_guid;
    void *vendor_table;
};

struct efi_system_table {
    struct efi_table_header hdr;
    efi_char16 *firmware_vendor;
    uint32_t firmware_revision;
    void *console_in_handle, *con_in;
    void *console_out_handle;
    struct efi_simple_text_output *con_out;
    void *standard_error_handle, *std_err;
    void *runtime_services;
    struct efi_boot_services *boot_services;
    uint64_t number_of_table_entries;
    struct efi_configuration_table *configuration_table;
};

/* What the EFI stub hands over (x1) after ExitBootServices: the final memory map, which lies
 * right behind this block in one EfiLoaderData allocation. core reads it once at boot
 * (platform_discover) and copies what it needs before the page allocator may reuse it. */
struct efi_handoff {
    uint64_t magic; /* EFI_HANDOFF_MAGIC */
    uint64_t map;   /* physical address of the first descriptor */
    uint64_t map_size;
    uint64_t desc_size;
    uint32_t desc_version;
    uint32_t pad;
};

#endif /* __ASSEMBLY__ */
#endif

/* Entry point: the Linux arm64 Image header (Documentation/arch/arm64/booting.rst), so that
 * QEMU -kernel and U-Boot booti load us, with a PE/COFF header beside it, so that UEFI firmware
 * also starts the same file as an EFI application (efi_entry.S); then the code that runs with
 * the MMU off: self-relocation, BSS clearing and the jump into C. Entered with x0 = physical
 * address of the DTB, MMU off, at EL2 (anything else is reported by C code and powered off);
 * from the EFI stub also with x1 = its handoff block and x2 = EFI_HANDOFF_MAGIC. */
#include "arch/aarch64/asm.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/efi.h"
#include "arch/aarch64/regs/mpidr.h"
#include "arch/aarch64/spin_table.h"

/* Image header flags (booting.rst): bit 0 = 0 little-endian, bits [2:1] = 1 4 KiB pages,
 * bit 3 = 1 the image may be placed anywhere in physical memory. */
#define IMAGE_FLAG_PAGE_4K   (1 << 1)
#define IMAGE_FLAG_PHYS_ANY  (1 << 3)

/* PE/COFF (Microsoft PE format specification; UEFI 2.10, 2.1.1: EFI applications are PE32+
 * images of subsystem 10). */
#define PE_MACHINE_ARM64         0xaa64
#define PE_OPT_MAGIC_PE32PLUS    0x20b
#define PE_SUBSYSTEM_EFI_APP     10
#define PE_FILE_EXECUTABLE       0x0002
#define PE_FILE_LINE_NUMS_STRIPPED 0x0004
#define PE_FILE_DEBUG_STRIPPED   0x0200
#define PE_SCN_CODE              0x00000020
#define PE_SCN_INITIALIZED_DATA  0x00000040
#define PE_SCN_MEM_EXECUTE       0x20000000
#define PE_SCN_MEM_READ          0x40000000
#define PE_SCN_MEM_WRITE         0x80000000
#define PE_ALIGN                 4096 /* file layout = memory layout, one page per unit */

    /* The whole header page is one section, so every field below can be written as a
     * distance from _head (assembled PC-relative) or as a size the link map defines.
     * image_size, SizeOfImage and the .data section's sizes are rewritten by tools/pack.py
     * when it appends the VM pack. */
    .section .head, "ax"
    .global _head
_head:
    /* code0: this instruction's low half is "MZ", the DOS/PE magic a UEFI loader looks for;
     * executed, it only sets the condition flags. */
    ccmp    x18, #0, #0xd, pl
    b       primary_entry               /* code1 */
    .quad   0                           /* text_offset: any 2 MiB aligned base */
    .long   __image_size, 0             /* image_size (64-bit little-endian) */
    .quad   IMAGE_FLAG_PAGE_4K | IMAGE_FLAG_PHYS_ANY /* flags */
    .quad   0, 0, 0                     /* res2..res4 */
    .ascii  "ARM\x64"                   /* magic */
    .long   pe_header - _head           /* res5: offset of the PE header (PE: e_lfanew) */

pe_header:
    .ascii  "PE\0\0"
    /* COFF file header */
    .short  PE_MACHINE_ARM64
    .short  2                           /* NumberOfSections */
    .long   0, 0, 0                     /* TimeDateStamp, PointerToSymbolTable, NumberOfSymbols */
    .short  pe_sections - pe_optional   /* SizeOfOptionalHeader */
    .short  PE_FILE_EXECUTABLE | PE_FILE_LINE_NUMS_STRIPPED | PE_FILE_DEBUG_STRIPPED
pe_optional:
    .short  PE_OPT_MAGIC_PE32PLUS
    .byte   0, 0                        /* linker version */
    .long   __text_size                 /* SizeOfCode */
    .long   __data_size                 /* SizeOfInitializedData */
    .long   0                           /* SizeOfUninitializedData: BSS is in the file */
    .long   efi_pe_entry - _head        /* AddressOfEntryPoint */
    .long   __text_start - _head        /* BaseOfCode */
    .quad   0                           /* ImageBase: position independent, loaded anywhere */
    .long   PE_ALIGN, PE_ALIGN          /* SectionAlignment, FileAlignment */
    .short  0, 0, 0, 0, 0, 0            /* OS, image and subsystem versions */
    .long   0                           /* Win32VersionValue */
    .long   __image_size                /* SizeOfImage */
    .long   __text_start - _head        /* SizeOfHeaders: this page */
    .long   0                           /* CheckSum */
    .short  PE_SUBSYSTEM_EFI_APP
    .short  0                           /* DllCharacteristics */
    .quad   0, 0, 0, 0                  /* stack and heap reserve and commit */
    .long   0                           /* LoaderFlags */
    .long   6                           /* NumberOfRvaAndSizes */
    /* export, import, resource, exception, certificate and base relocation tables: none.
     * No base relocations: the code is position independent and relocates itself. */
    .quad   0, 0, 0, 0, 0, 0
pe_sections:
    .ascii  ".text\0\0\0"
    .long   __text_size                 /* VirtualSize */
    .long   __text_start - _head        /* VirtualAddress */
    .long   __text_size                 /* SizeOfRawData */
    .long   __text_start - _head        /* PointerToRawData */
    .long   0, 0                        /* relocations, line numbers */
    .short  0, 0
    .long   PE_SCN_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ
    /* Read-only data, data, BSS, the symbol table and (after pack.py) the VM pack. */
    .ascii  ".data\0\0\0"
    .long   __data_size
    .long   __text_end - _head
    .long   __data_size
    .long   __text_end - _head
    .long   0, 0
    .short  0, 0
    .long   PE_SCN_INITIALIZED_DATA | PE_SCN_MEM_READ | PE_SCN_MEM_WRITE

    .section .text.boot, "ax"
#if !CONFIG_EFI
/* Not an EFI application in this build (CONFIG_EFI=n, docs/build.md): UEFI's StartImage gets
 * EFI_UNSUPPORTED back (UEFI 2.10, Appendix D: high bit set, code 3). */
FUNC(efi_pe_entry)
    mov     x0, #3
    movk    x0, #0x8000, lsl #48
    ret
ENDFUNC(efi_pe_entry)
#endif

FUNC(primary_entry)
    mov     x19, x0                     /* DTB */
    ldr     x9, =EFI_HANDOFF_MAGIC
    cmp     x2, x9
    csel    x20, x1, xzr, eq            /* the EFI stub's handoff block, else none */
    apply_relocations
    adr_l   x10, __bss_start
    adr_l   x11, __bss_end
3:  cmp     x10, x11
    b.hs    4f
    stp     xzr, xzr, [x10], #16
    b       3b
4:
    adr_l   x10, boot_stacks
    add     sp, x10, #STACK_SLOT_SIZE
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    mov     x1, x20
    bl      boot_primary                /* does not return */
5:  wfi
    b       5b
ENDFUNC(primary_entry)

/* Secondary CPUs arrive here from PSCI CPU_ON with x0 = their logical CPU index (the
 * context id we passed), MMU off, at EL2. */
FUNC(secondary_entry)
    cmp     x0, #MAX_CPUS
    b.hs    2f
    adr_l   x10, boot_stacks
    mov     x11, #STACK_SLOT_SIZE
    madd    x10, x0, x11, x10
    add     sp, x10, #STACK_SLOT_SIZE
    mov     x29, xzr
    mov     x30, xzr
    bl      boot_secondary              /* does not return */
2:  wfi
    b       2b
ENDFUNC(secondary_entry)

/* Secondary CPUs released from a spin table (drivers/spin_table.c) arrive here with nothing in
 * x0, MMU and caches off, at EL2: the index is the slot of spin_table_mpidr[] that holds this
 * CPU's affinity with SPIN_TABLE_VALID (the boot CPU wrote it and cleaned it to the point of
 * coherency before the release). A CPU named nowhere parks. */
FUNC(spin_table_entry)
    mrs     x1, mpidr_el1
    and     x2, x1, #MPIDR_AFF_LOW_MASK
    and     x3, x1, #MPIDR_AFF3_MASK
    orr     x1, x2, x3
    orr     x1, x1, #SPIN_TABLE_VALID
    adr_l   x10, spin_table_mpidr
    mov     x0, #1                      /* slot 0 is the boot CPU's */
1:  cmp     x0, #MAX_CPUS
    b.hs    2f
    ldr     x2, [x10, x0, lsl #3]
    cmp     x2, x1
    b.eq    secondary_entry
    add     x0, x0, #1
    b       1b
2:  wfe
    b       2b
ENDFUNC(spin_table_entry)

    .data
    /* Where apply_relocations (asm.h) last relocated the image for: 0, where it is linked,
     * until it runs. */
    .balign 8
    .global reloc_base
    .hidden reloc_base
reloc_base:
    .quad   0

    .section .bss
    /* Per CPU: its affinity for spin_table_entry (arch/aarch64/spin_table.h). */
    .balign 8
    .global spin_table_mpidr
spin_table_mpidr:
    .space  MAX_CPUS * 8
    /* Per CPU: a guard page (unmapped at boot), then its stack (arch/aarch64/config.h). */
    .balign STACK_GUARD_SIZE
    .global boot_stacks
boot_stacks:
    .space  MAX_CPUS * STACK_SLOT_SIZE
    /* Per CPU: the stack a fatal exception is reported on (vectors.S fatal_frame). */
    .balign 16
    .global crash_stacks
crash_stacks:
    .space  MAX_CPUS << CRASH_STACK_SHIFT

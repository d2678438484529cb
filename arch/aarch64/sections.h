/* The hypervisor image's sections as the link map (elvisor.ld) places them. */
#ifndef ARCH_SECTIONS_H
#define ARCH_SECTIONS_H

#include <stdint.h>

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __bss_start[], __bss_end[];
extern char __syms_start[], __syms_end[];
/* head.S: per CPU a guard page and a stack (arch/aarch64/config.h), and the crash stacks. */
extern char boot_stacks[], crash_stacks[];

/* Distance between two linker symbols (as integers: they are not one C object). */
static inline uint64_t image_span(const char *start, const char *end)
{
    return (uint64_t)((uintptr_t)end - (uintptr_t)start);
}

static inline uint64_t image_base(void) { return (uint64_t)(uintptr_t)__image_start; }

#endif

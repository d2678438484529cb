# Freestanding test guests: tests/guests/NAME.c -> build/guests/NAME.bin (a Linux arm64 Image).
# Each links the common runtime and the hypervisor's own lib/ (printf, FDT reader, string).
GUEST_SRCS   := $(sort $(wildcard tests/guests/*.c))
GUEST_BINS   := $(patsubst tests/guests/%.c,$(B)/guests/%.bin,$(GUEST_SRCS))
GUEST_COMMON := tests/guests/common/head.S tests/guests/common/guest.c lib/fdt_read.c lib/fdt_addr.c lib/printf.c lib/string.c
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -ffreestanding -nostdlib \
                -fpie -fno-plt -fno-stack-protector -march=armv8-a -mno-outline-atomics -mstrict-align \
                -mgeneral-regs-only -I. -D__GUEST__

$(B)/guests/%.elf: tests/guests/%.c $(GUEST_COMMON) tests/guests/common/guest.h tests/guests/common/guest.ld | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c tests/guests/common/head.S -o $(B)/guests/$*.head.o
	$(CC) $(GUEST_CFLAGS) $< tests/guests/common/guest.c lib/fdt_read.c lib/fdt_addr.c lib/printf.c lib/string.c \
	    $(B)/guests/$*.head.o -Wl,-pie,--no-dynamic-linker,-z,notext,-z,norelro,--no-warn-rwx-segments,--build-id=none \
	    -T tests/guests/common/guest.ld -o $@

$(B)/guests/%.bin: $(B)/guests/%.elf
	$(OBJCOPY) -O binary $< $@

guests: $(GUEST_BINS)

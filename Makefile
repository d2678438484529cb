# elvisor: type-1 hypervisor for AArch64.
#   make            build build/elvisor.elf and build/elvisor.bin
#   make run        boot the default configuration on QEMU (GIC=2|3, CPU=max|cortex-a72, SMP=N,
#                   BOOT=kernel|uboot|uefi: QEMU loads it, or firmware does from a disk);
#                   CONFIG=configs/pci.dts adds the SMMU and the PCIe devices it assigns
#   make run BOARD=xlnx-zcu102   boot configs/<board>.dts on QEMU's model of that real board
#                   (also imx8mp-evk, raspi4b)
#                   (docs/boards.md; the board's device tree comes from Debian's kernel package)
#   make test       unit tests, lint, QEMU tests
#   make bench      instruction-exact benchmarks (QEMU -icount shift=0)

CROSS   ?= aarch64-linux-gnu-
CC      := $(CROSS)gcc
# LLVM's linker: it packs the image's relative relocations (SHT_RELR, --pack-dyn-relocs=relr), about
# 100 bytes where GNU ld 2.40's RELA takes 24 bytes a pointer (docs/build.md "Size").
LD      := ld.lld
OBJCOPY := $(CROSS)objcopy
NM      := $(CROSS)nm
HOSTCC  ?= gcc
PYTHON  := /usr/bin/python3
QEMU    := qemu-system-aarch64

# The build configuration (docs/build.md): which optional parts are linked. The default build
# (every part) goes to build/; another, BUILD_CONFIG=configs/build/NAME.conf, to build/NAME/.
BUILD_CONFIG ?= configs/build/default.conf
BUILD_NAME := $(basename $(notdir $(BUILD_CONFIG)))
B       := $(if $(filter default,$(BUILD_NAME)),build,build/$(BUILD_NAME))

GIC     ?= 3
CPU     ?= max
SMP     ?= 4
MEM     ?= 1G
# BOARD=virt: QEMU's virt machine as GIC, CPU, SMP and MEM say. Any other BOARD is QEMU's model
# of a real board (docs/boards.md), booting configs/$(BOARD).dts with the board's device tree.
BOARD   ?= virt
CONFIG  ?= $(if $(filter virt,$(BOARD)),configs/default.dts,configs/$(BOARD).dts)
QEMU_EXTRA ?=

.DEFAULT_GOAL := all

# Tools are checked before anything that needs them; tools/deps.sh installs what is missing.
DEPS_STAMP := $(B)/.deps-ok
$(DEPS_STAMP): tools/deps.sh
	@mkdir -p $(B)
	@bash tools/deps.sh
	@touch $@

# HV_LEFT_OUT, HV_OPT, HV_LDFLAGS and CONFIG_* from the configuration (tools/buildcfg.py checks it);
# build_config.h, its CONFIG_* for C, is force-included in every object. Made (after the tools,
# python3 among them) before anything else is read; `make clean` and `make deps` need neither.
$(B)/build_config.h $(B)/build_config.mk: $(BUILD_CONFIG) tools/buildcfg.py | $(DEPS_STAMP)
	@mkdir -p $(B)
	@$(PYTHON) tools/buildcfg.py $(BUILD_CONFIG) $(B)/build_config.h $(B)/build_config.mk
NEEDS_CONFIG := $(if $(MAKECMDGOALS),$(filter-out clean deps,$(MAKECMDGOALS)),all)
ifneq ($(NEEDS_CONFIG),)
include $(B)/build_config.mk
endif
CONFIG_INCLUDE := -include $(B)/build_config.h

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  := -std=c11 -O2 -g $(WARN) -ffreestanding -nostdlib -mgeneral-regs-only \
           -fpie -include arch/aarch64/visibility.h $(CONFIG_INCLUDE) -fno-stack-protector -fno-omit-frame-pointer \
           -march=armv8-a -mno-outline-atomics -mstrict-align -fno-common -MMD -MP -I. \
           -mbranch-protection=standard
ASFLAGS := -g -D__ASSEMBLY__ -MMD -MP -I. $(CONFIG_INCLUDE)
LDFLAGS := -nostdlib -pie --no-dynamic-linker -z notext -z norelro --pack-dyn-relocs=relr -O2 \
           -T arch/aarch64/elvisor.ld $(HV_LDFLAGS)

HV_C    := $(filter-out $(HV_LEFT_OUT),$(sort $(wildcard arch/aarch64/*.c drivers/*.c core/*.c vdev/*.c lib/*.c)))
HV_S    := $(filter-out $(HV_LEFT_OUT),$(sort $(wildcard arch/aarch64/*.S)))
HV_OBJ  := $(patsubst %.c,$(B)/hv/%.o,$(HV_C)) $(patsubst %.S,$(B)/hv/%.o,$(HV_S))
# The flags live here: a change to them rebuilds every object.
$(HV_OBJ): Makefile $(B)/build_config.h

.PHONY: all run test unit lint format qemu-test bench fuzz clean guests deps images linux hostile-long minimal minimal-images
all: $(B)/elvisor.bin

deps: ; @bash tools/deps.sh

# CONFIG_LTO: clang (HV_CC) compiles the C objects to LLVM bitcode that ld.lld optimizes as one;
# the assembly stays GCC's.
$(B)/hv/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(or $(HV_CC),$(CC)) $(CFLAGS) $(OPT) $(HV_OPT) -c $< -o $@

# Code that runs at boot or when a VM is built or reset (device trees, the configuration, page
# tables, printing) is built for size; the exit path and the device models stay at -O2
# (docs/performance.md, footprint).
HV_COLD := lib/fdt_read.c lib/fdt_addr.c lib/fdt_write.c lib/printf.c core/boot.c core/config.c core/config_firmware.c \
           core/config_control.c core/config_sve.c \
           core/efi_mem.c core/range_list.c core/image.c core/selftest.c core/vm_firmware.c \
           core/platform.c core/smp.c core/vm_dtb.c core/vmm.c arch/aarch64/efi_stub.c arch/aarch64/mmu.c \
           arch/aarch64/pgtable.c
$(patsubst %.c,$(B)/hv/%.o,$(HV_COLD)): OPT := -Os

$(B)/hv/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c $< -o $@

# Two-pass link: the second pass embeds the symbol table (for symbolized backtraces) that the
# first pass produced; symbol addresses do not move because the table lives in its own section
# placed after everything else. Only the sizes that include that section (head.S's image and
# PE data sizes, absolute symbols) may change.
# Without CONFIG_SYMBOLS one pass: the crash report's backtrace shows bare addresses.
SYMS_MOVABLE := __syms_|__image_end|__image_size|__data_size| [aNn] 
ifeq ($(CONFIG_SYMBOLS),n)
$(B)/elvisor.elf: $(HV_OBJ) arch/aarch64/elvisor.ld $(B)/build_config.mk
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) $(HV_OBJ) -o $@
else
$(B)/elvisor.elf: $(HV_OBJ) arch/aarch64/elvisor.ld $(B)/build_config.mk tools/mksyms.py
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) $(HV_OBJ) -o $(B)/elvisor.pass1.elf
	@$(NM) -n $(B)/elvisor.pass1.elf | $(PYTHON) tools/mksyms.py > $(B)/syms.S
	@$(CC) $(ASFLAGS) -c $(B)/syms.S -o $(B)/syms.o
	@$(LD) $(LDFLAGS) $(HV_OBJ) $(B)/syms.o -o $@
	@$(NM) -n $(B)/elvisor.pass1.elf | grep -v -E '$(SYMS_MOVABLE)' | awk '{print $$1, $$3}' > $(B)/a.txt
	@$(NM) -n $@ | grep -v -E '$(SYMS_MOVABLE)' | awk '{print $$1, $$3}' > $(B)/b.txt
	@cmp -s $(B)/a.txt $(B)/b.txt || (echo "symbol addresses moved between link passes" >&2; exit 1)
endif

$(B)/elvisor.bin: $(B)/elvisor.elf
	$(OBJCOPY) -O binary $< $@

-include $(shell find $(B)/hv -name '*.d' 2>/dev/null)

include tests/guests/guests.mk
.SECONDEXPANSION:
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk

QEMU_MACHINE := -machine virt,virtualization=on,gic-version=$(GIC) -cpu $(CPU) -smp $(SMP) -m $(MEM) \
                -nographic -net none -serial mon:stdio -echr 0x14

# A bootable image: the hypervisor with a configuration and the files it names packed behind it.
$(B)/%.img: %.dts $(B)/elvisor.bin $(GUEST_BINS) $(wildcard $(B)/linux/Image $(B)/linux/initramfs.cpio.gz $(B)/linux/initramfs-minivmm.cpio.gz) tools/pack.py | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $(B)/$*.dtb $<
	$(PYTHON) tools/pack.py $@ $(B)/elvisor.bin $(B)/$*.dtb

# Disk images for virtio-blk (tests/configs/virtio-blk.dts): an empty 16 MiB ext4 file system.
$(B)/disks/ext4-16M.img: | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	rm -f $@.tmp && truncate -s 16M $@.tmp && PATH="$$PATH:/sbin:/usr/sbin" mkfs.ext4 -q -F $@.tmp && mv $@.tmp $@
$(B)/tests/configs/virtio-blk.img $(B)/tests/configs/blklat.img $(B)/tests/configs/latency-noisy.img $(B)/tests/configs/bench-virtio.img $(B)/tests/configs/control.img $(B)/configs/default.img: $(B)/disks/ext4-16M.img
# The disk configs/pci.dts assigns (a virtio-blk-pci function, docs/pci.md): an empty 64 MiB ext4.
$(B)/disks/ext4-64M.img: | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	rm -f $@.tmp && truncate -s 64M $@.tmp && PATH="$$PATH:/sbin:/usr/sbin" mkfs.ext4 -q -F $@.tmp && mv $@.tmp $@
$(B)/configs/pci.img $(B)/tests/configs/bench-pci.img: $(B)/disks/ext4-64M.img
$(patsubst %,$(B)/tests/configs/%.img,hostile hostile-long hostile-linux): $(B)/disks/ext4-16M.img

# A VM's firmware (tests/configs/vm-firmware.dts, docs/booting.md "VM firmware"): Debian's
# U-Boot for QEMU's virt machine, and a disk with extlinux.conf, the Linux guest's kernel and
# initramfs for it to boot.
$(B)/firmware/u-boot-qemu_arm64.bin: | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	cp /usr/lib/u-boot/qemu_arm64/u-boot.bin $@
$(B)/disks/extlinux.img: tools/mkextlinux.py $(wildcard $(B)/linux/Image $(B)/linux/initramfs.cpio.gz) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(PYTHON) tools/mkextlinux.py $@ $(B)/linux/Image $(B)/linux/initramfs.cpio.gz "console=ttyAMA0"
$(B)/tests/configs/vm-firmware.img: $(B)/firmware/u-boot-qemu_arm64.bin $(B)/disks/extlinux.img

# The disk firmware boots from (docs/booting.md): a FAT partition with the packed image as
# /EFI/BOOT/BOOTAA64.EFI and the U-Boot script /boot.scr made from tools/boot.cmd.
$(B)/%.disk: $(B)/%.img tools/mkdisk.py tools/boot.cmd | $(DEPS_STAMP)
	$(PYTHON) tools/mkdisk.py $@ $< tools/boot.cmd

CONFIG_IMG = $(B)/$(CONFIG:.dts=.img)
CONFIG_DISK = $(B)/$(CONFIG:.dts=.disk)
TEST_CONFIGS := $(wildcard tests/configs/*.dts configs/*.dts)
# Configurations may name the Linux guest, so it is fetched (cached) before packing. The
# prerequisites make `make -j2 all images linux` build the hypervisor and the guest once, before
# the recursive make below looks at them (two makes linking one file raced).
images: all linux | $(DEPS_STAMP)
	@bash tools/boards.sh
	@$(MAKE) --no-print-directory $(patsubst %.dts,$(B)/%.img,$(TEST_CONFIGS)) $(B)/configs/default.disk
	@$(MAKE) --no-print-directory minimal-images

# The minimal build (configs/build/minimal.conf, docs/build.md) in build/minimal/, and the
# configurations tests/system/test_minimal.py boots with it (packed with build/guests/).
MINIMAL_CONFIGS := tests/configs/basics.dts tests/configs/minimal-refused.dts tests/configs/linux.dts
minimal: | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD_CONFIG=configs/build/minimal.conf all
minimal-images: minimal $(GUEST_BINS)
	@$(MAKE) --no-print-directory $(patsubst %.dts,build/minimal/%.img,$(MINIMAL_CONFIGS)) build/minimal/tests/configs/basics.disk
build/minimal/tests/configs/%.img: tests/configs/%.dts build/minimal/elvisor.bin $(GUEST_BINS) tools/pack.py | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o build/minimal/tests/configs/$*.dtb $<
	$(PYTHON) tools/pack.py $@ build/minimal/elvisor.bin build/minimal/tests/configs/$*.dtb

# BOOT=kernel (default): QEMU loads the image itself (-kernel). BOOT=uboot: Debian's U-Boot
# runs /boot.scr from the disk, which booti's the image. BOOT=uefi: Debian's EDK2 starts
# /EFI/BOOT/BOOTAA64.EFI from the disk; acpi=off so that it hands over QEMU's device tree.
BOOT    ?= kernel
UBOOT_BIN := /usr/lib/u-boot/qemu_arm64/u-boot.bin
EDK2_FD   := /usr/share/qemu-efi-aarch64/QEMU_EFI.fd
BOOT_DISK_ARGS = -drive if=none,format=raw,readonly=on,file=$(CONFIG_DISK),id=esp -device virtio-blk-device,drive=esp
BOOT_ARGS_kernel = -kernel $(CONFIG_IMG)
BOOT_ARGS_uboot = -bios $(UBOOT_BIN) $(BOOT_DISK_ARGS)
BOOT_ARGS_uefi = -machine acpi=off -bios $(EDK2_FD) $(BOOT_DISK_ARGS)
BOOT_TARGET_kernel = $(CONFIG_IMG)
BOOT_TARGET_uboot = $(CONFIG_DISK)
BOOT_TARGET_uefi = $(CONFIG_DISK)

# configs/pci.dts assigns real PCIe functions (docs/pci.md): QEMU's SMMUv3 (stage 2) in front
# of the host bridge, a virtio-blk-pci disk at 00:02.0 and a virtio-net-pci NIC at 00:03.0.
QEMU_PCI := -global arm-smmuv3.stage=2 \
            -drive if=none,id=pcidisk,file=$(B)/disks/ext4-64M.img,format=raw \
            -device virtio-blk-pci,drive=pcidisk,addr=02.0,disable-legacy=on,iommu_platform=on \
            -netdev user,id=pcinet -device virtio-net-pci,netdev=pcinet,addr=03.0,disable-legacy=on,iommu_platform=on,romfile=
RUN_QEMU_MACHINE = $(if $(filter configs/pci.dts,$(CONFIG)),$(subst virtualization=on,virtualization=on$(comma)iommu=smmuv3,$(QEMU_MACHINE)) $(QEMU_PCI),$(QEMU_MACHINE))
comma := ,

# QEMU's models of real boards (docs/boards.md, tests/system/test_boards.py): the machine, and
# which of its serial ports the board's device tree names as the console (stdout-path).
BOARDS := xlnx-zcu102 imx8mp-evk raspi4b
BOARD_QEMU_xlnx-zcu102 := -machine xlnx-zcu102,virtualization=on -m 2G -serial mon:stdio
# The EVK's console is UART2 (serial@30890000), QEMU's second serial port.
BOARD_QEMU_imx8mp-evk := -machine imx8mp-evk -smp 4 -m 2G -serial null -serial mon:stdio
# The Pi 4's DTB names the mini UART (serial1), which has no driver; elvisor takes the first
# UART one knows, the PL011 (serial0), QEMU's first serial port. The model has 4 CPUs and 2 GiB
# (960 MiB of it in the DTB QEMU hands over) whatever -smp and -m say.
BOARD_QEMU_raspi4b := -machine raspi4b -serial mon:stdio
BOARD_QEMU_ARGS = $(BOARD_QEMU_$(BOARD)) -nographic -net none -audio none -echr 0x14 \
                  -dtb $(B)/boards/$(BOARD).dtb -kernel $(CONFIG_IMG)

ifeq ($(BOARD),virt)
run: | $(DEPS_STAMP)
	@test -n "$(BOOT_ARGS_$(BOOT))" || { echo "BOOT=$(BOOT): use kernel, uboot or uefi" >&2; exit 1; }
	@$(MAKE) --no-print-directory linux
	@$(MAKE) --no-print-directory $(BOOT_TARGET_$(BOOT))
	$(QEMU) $(RUN_QEMU_MACHINE) $(QEMU_EXTRA) $(BOOT_ARGS_$(BOOT))
else
run: | $(DEPS_STAMP)
	@test -n "$(BOARD_QEMU_$(BOARD))" || { echo "BOARD=$(BOARD): use virt or one of $(BOARDS)" >&2; exit 1; }
	@test "$(BOOT)" = kernel || { echo "BOARD=$(BOARD): only BOOT=kernel (QEMU's -kernel and -dtb)" >&2; exit 1; }
	@$(MAKE) --no-print-directory linux
	@bash tools/boards.sh
	@$(MAKE) --no-print-directory $(CONFIG_IMG)
	$(QEMU) $(BOARD_QEMU_ARGS) $(QEMU_EXTRA)
endif

# One C style for the tree (.clang-format); `make format` rewrites files to it.
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/unit/fixtures/')
format: | $(DEPS_STAMP)
	clang-format -i $(FORMAT_SRCS)

lint: $(B)/build_config.h | $(DEPS_STAMP)
	@echo "  clang-format (style in .clang-format; make format fixes it)"
	@clang-format --dry-run -Werror $(FORMAT_SRCS)
	@echo "  layers (tools/check_layers.py: includes point down only)"
	@$(PYTHON) tools/check_layers.py
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	    --std=c11 --inline-suppr --suppress=missingIncludeSystem -I. --include=$(B)/build_config.h \
	    arch drivers core vdev lib
	@echo "  clang-tidy (checks in .clang-tidy)"
	@set -e; for f in $(HV_C); do clang-tidy -quiet $$f -- --target=aarch64-linux-gnu -std=c11 \
	    -ffreestanding -nostdlib -mgeneral-regs-only -I. $(CONFIG_INCLUDE) 2>/dev/null; done

# The Linux guest (docs/linux-guest.md): Debian's arm64 kernel and a busybox initramfs.
linux: $(B)/tools/elvisorctl $(B)/tools/shmem-ping | $(DEPS_STAMP)
	@ELVISORCTL=$(B)/tools/elvisorctl SHMEM_PING=$(B)/tools/shmem-ping bash tools/linux.sh
	@$(MAKE) --no-print-directory $(B)/linux/initramfs-minivmm.cpio.gz

# The project VMM (docs/nested.md), static, and the Linux guest's initramfs with it and its
# L2 guests added (tools/minivmm/pack.sh).
MINIVMM_SRCS := $(sort $(wildcard tools/minivmm/*.c))
$(B)/tools/minivmm: $(MINIVMM_SRCS) tools/minivmm/minivmm.h drivers/pl011_regs.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -I. -s -o $@ $(MINIVMM_SRCS) -lpthread

$(B)/linux/initramfs-minivmm.cpio.gz: $(B)/linux/initramfs.cpio.gz $(B)/tools/minivmm $(B)/guests/l2_hello.bin \
        $(B)/linux/Image $(B)/linux/initramfs-l2.cpio.gz tools/minivmm/pack.sh
	@bash tools/minivmm/pack.sh $@ $(B)/linux/initramfs.cpio.gz $(B)/tools/minivmm $(B)/guests/l2_hello.bin \
	    $(B)/linux/Image $(B)/linux/initramfs-l2.cpio.gz

# The control VM's command line (docs/control.md), static, for the Linux guest's initramfs.
$(B)/tools/elvisorctl: tools/elvisorctl.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -o $@ $<

# The Linux side of the shared memory test (docs/shmem.md), static, for the initramfs.
$(B)/tools/shmem-ping: tools/shmem_ping.c vdev/ivshmem_regs.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -I. -o $@ $<

qemu-test: | $(DEPS_STAMP)
	$(MAKE) all images linux
	$(PYTHON) -m pytest -q tests/system

test: | $(DEPS_STAMP)
	$(MAKE) all images linux
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(PYTHON) -m pytest -q tests/system

# make fuzz (tests/fuzz/fuzz.mk) also runs the hostile guest for two million operations.
fuzz: hostile-long
hostile-long: | $(DEPS_STAMP)
	$(MAKE) all images
	ELVISOR_LONG=1 $(PYTHON) -m pytest -q -s tests/system/test_hostile.py -k long

# Instruction-exact benchmarks (docs/performance.md): QEMU -icount shift=0, GICv3 and GICv2.
bench: | $(DEPS_STAMP)
	$(MAKE) all images minimal
	$(PYTHON) tools/bench.py

clean:
	rm -rf $(B)

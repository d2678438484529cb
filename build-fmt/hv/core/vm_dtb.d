build-fmt/hv/core/vm_dtb.o: core/vm_dtb.c core/vm_dtb.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/vm_layout.h core/platform.h \
 arch/aarch64/config.h drivers/psci.h vdev/virtio_devices.h lib/fdt.h \
 lib/printf.h
core/vm_dtb.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/vm_layout.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
vdev/virtio_devices.h:
lib/fdt.h:
lib/printf.h:

build-fmt/hv/core/console_input.o: core/console_input.c \
 core/console_input.h core/console.h lib/printf.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h drivers/pl011.h drivers/timer.h \
 vdev/vpl011.h vdev/vswitch.h vdev/virtio_devices.h
core/console_input.h:
core/console.h:
lib/printf.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
drivers/pl011.h:
drivers/timer.h:
vdev/vpl011.h:
vdev/vswitch.h:
vdev/virtio_devices.h:

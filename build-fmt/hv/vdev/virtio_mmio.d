build-fmt/hv/vdev/virtio_mmio.o: vdev/virtio_mmio.c vdev/virtio_mmio.h \
 core/vm.h arch/aarch64/traps.h arch/aarch64/el1_ctx.h \
 arch/aarch64/pgtable.h core/config.h lib/spinlock.h vdev/virtqueue.h \
 vdev/vgic.h core/console.h lib/printf.h lib/string.h
vdev/virtio_mmio.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
vdev/virtqueue.h:
vdev/vgic.h:
core/console.h:
lib/printf.h:
lib/string.h:

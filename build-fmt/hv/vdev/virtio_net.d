build-fmt/hv/vdev/virtio_net.o: vdev/virtio_net.c vdev/virtio_devices.h \
 core/vm.h arch/aarch64/traps.h arch/aarch64/el1_ctx.h \
 arch/aarch64/pgtable.h core/config.h lib/spinlock.h vdev/virtio_mmio.h \
 vdev/virtqueue.h vdev/vswitch.h core/console.h lib/string.h
vdev/virtio_devices.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
vdev/virtio_mmio.h:
vdev/virtqueue.h:
vdev/vswitch.h:
core/console.h:
lib/string.h:

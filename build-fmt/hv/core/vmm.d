build-fmt/hv/core/vmm.o: core/vmm.c core/vmm.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/vm_dtb.h core/vm_layout.h \
 core/console.h core/image.h core/page_alloc.h core/platform.h \
 arch/aarch64/config.h drivers/psci.h core/stage2.h core/vcpu.h \
 core/sched.h arch/aarch64/stage2_hw.h arch/aarch64/sysreg.h \
 vdev/vpl011.h vdev/vdebug.h vdev/vgic.h vdev/virtio_devices.h \
 vdev/virtio_mmio.h vdev/virtqueue.h core/irq.h lib/string.h lib/printf.h
core/vmm.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/vm_dtb.h:
core/vm_layout.h:
core/console.h:
core/image.h:
core/page_alloc.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
core/stage2.h:
core/vcpu.h:
core/sched.h:
arch/aarch64/stage2_hw.h:
arch/aarch64/sysreg.h:
vdev/vpl011.h:
vdev/vdebug.h:
vdev/vgic.h:
vdev/virtio_devices.h:
vdev/virtio_mmio.h:
vdev/virtqueue.h:
core/irq.h:
lib/string.h:
lib/printf.h:

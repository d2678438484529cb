build-fmt/hv/vdev/vpl011.o: vdev/vpl011.c vdev/vpl011.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/console.h lib/string.h core/vcpu.h \
 vdev/vgic.h
vdev/vpl011.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
lib/string.h:
core/vcpu.h:
vdev/vgic.h:

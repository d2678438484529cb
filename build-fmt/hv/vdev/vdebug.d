build-fmt/hv/vdev/vdebug.o: vdev/vdebug.c vdev/vdebug.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/console.h core/vcpu.h lib/string.h
vdev/vdebug.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
core/vcpu.h:
lib/string.h:

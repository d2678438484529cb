build-fmt/hv/vdev/vswitch.o: vdev/vswitch.c vdev/vswitch.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/console.h drivers/timer.h lib/string.h
vdev/vswitch.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
drivers/timer.h:
lib/string.h:

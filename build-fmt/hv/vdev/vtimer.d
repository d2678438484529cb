build-fmt/hv/vdev/vtimer.o: vdev/vtimer.c vdev/vtimer.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h vdev/vgic.h core/vcpu.h core/percpu.h \
 arch/aarch64/config.h arch/aarch64/sysreg.h drivers/timer.h \
 core/platform.h drivers/psci.h drivers/gic.h
vdev/vtimer.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
vdev/vgic.h:
core/vcpu.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
drivers/timer.h:
core/platform.h:
drivers/psci.h:
drivers/gic.h:

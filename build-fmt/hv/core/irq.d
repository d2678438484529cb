build-fmt/hv/core/irq.o: core/irq.c core/irq.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/vcpu.h core/percpu.h \
 arch/aarch64/config.h arch/aarch64/sysreg.h drivers/timer.h \
 core/platform.h drivers/psci.h core/console.h core/console_input.h \
 drivers/pl011.h drivers/gic.h vdev/vgic.h vdev/vtimer.h
core/irq.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/vcpu.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
drivers/timer.h:
core/platform.h:
drivers/psci.h:
core/console.h:
core/console_input.h:
drivers/pl011.h:
drivers/gic.h:
vdev/vgic.h:
vdev/vtimer.h:

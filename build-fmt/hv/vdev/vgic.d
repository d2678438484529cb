build-fmt/hv/vdev/vgic.o: vdev/vgic.c vdev/vgic_priv.h vdev/vgic.h \
 core/vm.h arch/aarch64/traps.h arch/aarch64/el1_ctx.h \
 arch/aarch64/pgtable.h core/config.h lib/spinlock.h core/irq.h \
 core/percpu.h arch/aarch64/config.h arch/aarch64/sysreg.h \
 drivers/timer.h core/platform.h drivers/psci.h core/console.h \
 drivers/gic.h arch/aarch64/esr.h lib/string.h
vdev/vgic_priv.h:
vdev/vgic.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/irq.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
drivers/timer.h:
core/platform.h:
drivers/psci.h:
core/console.h:
drivers/gic.h:
arch/aarch64/esr.h:
lib/string.h:

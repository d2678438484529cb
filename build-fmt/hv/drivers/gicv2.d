build-fmt/hv/drivers/gicv2.o: drivers/gicv2.c drivers/gic.h \
 drivers/gic_regs.h core/platform.h arch/aarch64/config.h drivers/psci.h \
 core/percpu.h arch/aarch64/sysreg.h arch/aarch64/traps.h drivers/timer.h \
 lib/spinlock.h
drivers/gic.h:
drivers/gic_regs.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
core/percpu.h:
arch/aarch64/sysreg.h:
arch/aarch64/traps.h:
drivers/timer.h:
lib/spinlock.h:

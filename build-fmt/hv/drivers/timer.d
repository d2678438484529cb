build-fmt/hv/drivers/timer.o: drivers/timer.c drivers/timer.h \
 drivers/gic.h core/platform.h arch/aarch64/config.h drivers/psci.h \
 core/percpu.h arch/aarch64/sysreg.h arch/aarch64/traps.h
drivers/timer.h:
drivers/gic.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
core/percpu.h:
arch/aarch64/sysreg.h:
arch/aarch64/traps.h:

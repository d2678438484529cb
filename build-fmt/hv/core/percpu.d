build-fmt/hv/core/percpu.o: core/percpu.c core/percpu.h \
 arch/aarch64/config.h arch/aarch64/sysreg.h arch/aarch64/traps.h \
 drivers/timer.h
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
arch/aarch64/traps.h:
drivers/timer.h:

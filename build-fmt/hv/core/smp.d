build-fmt/hv/core/smp.o: core/smp.c core/smp.h core/console.h \
 core/percpu.h arch/aarch64/config.h arch/aarch64/sysreg.h \
 arch/aarch64/traps.h drivers/timer.h core/platform.h drivers/psci.h \
 core/sched.h
core/smp.h:
core/console.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
arch/aarch64/traps.h:
drivers/timer.h:
core/platform.h:
drivers/psci.h:
core/sched.h:

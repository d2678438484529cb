build-fmt/hv/core/console.o: core/console.c core/console.h core/power.h \
 drivers/pl011.h lib/printf.h lib/spinlock.h arch/aarch64/sysreg.h
core/console.h:
core/power.h:
drivers/pl011.h:
lib/printf.h:
lib/spinlock.h:
arch/aarch64/sysreg.h:

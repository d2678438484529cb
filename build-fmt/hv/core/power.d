build-fmt/hv/core/power.o: core/power.c core/power.h drivers/psci.h \
 arch/aarch64/sysreg.h
core/power.h:
drivers/psci.h:
arch/aarch64/sysreg.h:

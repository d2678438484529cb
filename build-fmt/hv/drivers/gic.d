build-fmt/hv/drivers/gic.o: drivers/gic.c drivers/gic.h core/platform.h \
 arch/aarch64/config.h drivers/psci.h
drivers/gic.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:

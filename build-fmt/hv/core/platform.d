build-fmt/hv/core/platform.o: core/platform.c core/platform.h \
 arch/aarch64/config.h drivers/psci.h lib/fdt.h lib/printf.h lib/string.h
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
lib/fdt.h:
lib/printf.h:
lib/string.h:

build-fmt/hv/core/config.o: core/config.c core/config.h lib/fdt.h \
 lib/printf.h lib/string.h
core/config.h:
lib/fdt.h:
lib/printf.h:
lib/string.h:

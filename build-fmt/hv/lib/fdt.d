build-fmt/hv/lib/fdt.o: lib/fdt.c lib/fdt.h lib/string.h
lib/fdt.h:
lib/string.h:

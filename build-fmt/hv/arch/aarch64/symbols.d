build-fmt/hv/arch/aarch64/symbols.o: arch/aarch64/symbols.c \
 arch/aarch64/symbols.h core/image.h
arch/aarch64/symbols.h:
core/image.h:

build-fmt/hv/arch/aarch64/head.o: arch/aarch64/head.S arch/aarch64/asm.h \
 arch/aarch64/config.h
arch/aarch64/asm.h:
arch/aarch64/config.h:

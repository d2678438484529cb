build-fmt/hv/arch/aarch64/inject.o: arch/aarch64/inject.c \
 arch/aarch64/inject.h arch/aarch64/traps.h arch/aarch64/sysreg.h
arch/aarch64/inject.h:
arch/aarch64/traps.h:
arch/aarch64/sysreg.h:

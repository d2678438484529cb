build-fmt/hv/arch/aarch64/vectors.o: arch/aarch64/vectors.S \
 arch/aarch64/asm.h arch/aarch64/traps.h
arch/aarch64/asm.h:
arch/aarch64/traps.h:

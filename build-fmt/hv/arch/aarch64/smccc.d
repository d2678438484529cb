build-fmt/hv/arch/aarch64/smccc.o: arch/aarch64/smccc.S \
 arch/aarch64/asm.h
arch/aarch64/asm.h:

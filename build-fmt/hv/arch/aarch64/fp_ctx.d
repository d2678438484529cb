build-fmt/hv/arch/aarch64/fp_ctx.o: arch/aarch64/fp_ctx.S \
 arch/aarch64/asm.h
arch/aarch64/asm.h:

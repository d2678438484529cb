build-fmt/hv/arch/aarch64/el1_ctx.o: arch/aarch64/el1_ctx.c \
 arch/aarch64/el1_ctx.h arch/aarch64/sysreg.h
arch/aarch64/el1_ctx.h:
arch/aarch64/sysreg.h:

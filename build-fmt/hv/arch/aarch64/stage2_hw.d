build-fmt/hv/arch/aarch64/stage2_hw.o: arch/aarch64/stage2_hw.c \
 arch/aarch64/stage2_hw.h arch/aarch64/sysreg.h
arch/aarch64/stage2_hw.h:
arch/aarch64/sysreg.h:

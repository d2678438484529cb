build-fmt/hv/arch/aarch64/a64_ldst.o: arch/aarch64/a64_ldst.c \
 arch/aarch64/a64_ldst.h
arch/aarch64/a64_ldst.h:

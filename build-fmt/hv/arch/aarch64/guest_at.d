build-fmt/hv/arch/aarch64/guest_at.o: arch/aarch64/guest_at.c \
 arch/aarch64/guest_at.h arch/aarch64/sysreg.h
arch/aarch64/guest_at.h:
arch/aarch64/sysreg.h:

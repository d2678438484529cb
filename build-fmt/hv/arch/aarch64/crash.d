build-fmt/hv/arch/aarch64/crash.o: arch/aarch64/crash.c \
 arch/aarch64/traps.h arch/aarch64/esr.h arch/aarch64/symbols.h \
 arch/aarch64/sysreg.h arch/aarch64/config.h core/console.h core/power.h
arch/aarch64/traps.h:
arch/aarch64/esr.h:
arch/aarch64/symbols.h:
arch/aarch64/sysreg.h:
arch/aarch64/config.h:
core/console.h:
core/power.h:

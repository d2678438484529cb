build-fmt/hv/core/vm.o: core/vm.c core/vm.h arch/aarch64/traps.h \
 arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h core/config.h \
 lib/spinlock.h core/console.h lib/printf.h arch/aarch64/sysreg.h
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
lib/printf.h:
arch/aarch64/sysreg.h:

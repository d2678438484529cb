build-fmt/hv/core/mmio.o: core/mmio.c core/mmio.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/console.h arch/aarch64/esr.h \
 arch/aarch64/a64_ldst.h arch/aarch64/guest_at.h arch/aarch64/inject.h \
 arch/aarch64/sysreg.h lib/string.h
core/mmio.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
arch/aarch64/esr.h:
arch/aarch64/a64_ldst.h:
arch/aarch64/guest_at.h:
arch/aarch64/inject.h:
arch/aarch64/sysreg.h:
lib/string.h:

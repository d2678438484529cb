build-fmt/hv/core/stage2.o: core/stage2.c core/stage2.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/console.h core/page_alloc.h \
 arch/aarch64/stage2_hw.h arch/aarch64/sysreg.h
core/stage2.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
core/page_alloc.h:
arch/aarch64/stage2_hw.h:
arch/aarch64/sysreg.h:

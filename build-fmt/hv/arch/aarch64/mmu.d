build-fmt/hv/arch/aarch64/mmu.o: arch/aarch64/mmu.c arch/aarch64/mmu.h \
 arch/aarch64/pgtable.h arch/aarch64/sysreg.h core/page_alloc.h \
 core/console.h
arch/aarch64/mmu.h:
arch/aarch64/pgtable.h:
arch/aarch64/sysreg.h:
core/page_alloc.h:
core/console.h:

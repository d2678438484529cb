build-fmt/hv/core/boot.o: core/boot.c arch/aarch64/sysreg.h \
 arch/aarch64/mmu.h arch/aarch64/traps.h core/console.h core/image.h \
 core/irq.h core/page_alloc.h core/percpu.h arch/aarch64/config.h \
 drivers/timer.h core/platform.h drivers/psci.h core/power.h core/smp.h \
 core/vmm.h drivers/pl011.h lib/fdt.h lib/printf.h lib/string.h
arch/aarch64/sysreg.h:
arch/aarch64/mmu.h:
arch/aarch64/traps.h:
core/console.h:
core/image.h:
core/irq.h:
core/page_alloc.h:
core/percpu.h:
arch/aarch64/config.h:
drivers/timer.h:
core/platform.h:
drivers/psci.h:
core/power.h:
core/smp.h:
core/vmm.h:
drivers/pl011.h:
lib/fdt.h:
lib/printf.h:
lib/string.h:

build-fmt/hv/vdev/vpsci.o: vdev/vpsci.c vdev/vpsci.h core/exit.h \
 core/vm.h arch/aarch64/traps.h arch/aarch64/el1_ctx.h \
 arch/aarch64/pgtable.h core/config.h lib/spinlock.h core/console.h \
 core/irq.h core/vmm.h drivers/psci.h arch/aarch64/sysreg.h
vdev/vpsci.h:
core/exit.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/console.h:
core/irq.h:
core/vmm.h:
drivers/psci.h:
arch/aarch64/sysreg.h:

build-fmt/hv/core/exit.o: core/exit.c core/exit.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/mmio.h core/console.h core/irq.h \
 core/sched.h core/vcpu.h vdev/vgic.h arch/aarch64/esr.h \
 arch/aarch64/inject.h arch/aarch64/sysreg.h vdev/vpsci.h vdev/vsysreg.h
core/exit.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/mmio.h:
core/console.h:
core/irq.h:
core/sched.h:
core/vcpu.h:
vdev/vgic.h:
arch/aarch64/esr.h:
arch/aarch64/inject.h:
arch/aarch64/sysreg.h:
vdev/vpsci.h:
vdev/vsysreg.h:

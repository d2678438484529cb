build-fmt/hv/core/sched.o: core/sched.c core/sched.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/vcpu.h core/percpu.h \
 arch/aarch64/config.h arch/aarch64/sysreg.h drivers/timer.h core/vmm.h \
 core/irq.h core/console_input.h vdev/vgic.h vdev/vtimer.h
core/sched.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/vcpu.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
drivers/timer.h:
core/vmm.h:
core/irq.h:
core/console_input.h:
vdev/vgic.h:
vdev/vtimer.h:

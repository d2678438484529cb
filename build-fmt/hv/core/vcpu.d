build-fmt/hv/core/vcpu.o: core/vcpu.c core/vcpu.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h core/sched.h core/exit.h core/percpu.h \
 arch/aarch64/config.h arch/aarch64/sysreg.h drivers/timer.h core/irq.h \
 arch/aarch64/stage2_hw.h vdev/vgic.h vdev/vtimer.h
core/vcpu.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/sched.h:
core/exit.h:
core/percpu.h:
arch/aarch64/config.h:
arch/aarch64/sysreg.h:
drivers/timer.h:
core/irq.h:
arch/aarch64/stage2_hw.h:
vdev/vgic.h:
vdev/vtimer.h:

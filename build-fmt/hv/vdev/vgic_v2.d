build-fmt/hv/vdev/vgic_v2.o: vdev/vgic_v2.c vdev/vgic_priv.h vdev/vgic.h \
 core/vm.h arch/aarch64/traps.h arch/aarch64/el1_ctx.h \
 arch/aarch64/pgtable.h core/config.h lib/spinlock.h core/vm_layout.h \
 core/platform.h arch/aarch64/config.h drivers/psci.h core/console.h \
 arch/aarch64/sysreg.h
vdev/vgic_priv.h:
vdev/vgic.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
core/vm_layout.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
core/console.h:
arch/aarch64/sysreg.h:

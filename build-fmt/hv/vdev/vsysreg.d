build-fmt/hv/vdev/vsysreg.o: vdev/vsysreg.c vdev/vsysreg.h core/vm.h \
 arch/aarch64/traps.h arch/aarch64/el1_ctx.h arch/aarch64/pgtable.h \
 core/config.h lib/spinlock.h arch/aarch64/esr.h arch/aarch64/inject.h \
 arch/aarch64/sysreg.h vdev/vgic.h
vdev/vsysreg.h:
core/vm.h:
arch/aarch64/traps.h:
arch/aarch64/el1_ctx.h:
arch/aarch64/pgtable.h:
core/config.h:
lib/spinlock.h:
arch/aarch64/esr.h:
arch/aarch64/inject.h:
arch/aarch64/sysreg.h:
vdev/vgic.h:

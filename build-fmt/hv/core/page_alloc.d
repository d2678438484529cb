build-fmt/hv/core/page_alloc.o: core/page_alloc.c core/page_alloc.h \
 core/platform.h arch/aarch64/config.h drivers/psci.h core/image.h \
 core/console.h lib/spinlock.h lib/string.h arch/aarch64/sysreg.h
core/page_alloc.h:
core/platform.h:
arch/aarch64/config.h:
drivers/psci.h:
core/image.h:
core/console.h:
lib/spinlock.h:
lib/string.h:
arch/aarch64/sysreg.h:

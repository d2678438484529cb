build-fmt/hv/arch/aarch64/esr.o: arch/aarch64/esr.c arch/aarch64/esr.h
arch/aarch64/esr.h:

build-fmt/hv/arch/aarch64/pgtable.o: arch/aarch64/pgtable.c \
 arch/aarch64/pgtable.h
arch/aarch64/pgtable.h:

build-fmt/syms.o: build-fmt/syms.S

build-fmt/hv/lib/printf.o: lib/printf.c lib/printf.h
lib/printf.h:

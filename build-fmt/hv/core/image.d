build-fmt/hv/core/image.o: core/image.c core/image.h lib/string.h
core/image.h:
lib/string.h:

build-fmt/hv/core/escape.o: core/escape.c core/console_input.h
core/console_input.h:

build-fmt/hv/drivers/pl011.o: drivers/pl011.c drivers/pl011.h
drivers/pl011.h:

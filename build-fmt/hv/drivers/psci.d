build-fmt/hv/drivers/psci.o: drivers/psci.c drivers/psci.h
drivers/psci.h:

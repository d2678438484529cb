build-fmt/hv/core/page_pool.o: core/page_pool.c core/page_alloc.h
core/page_alloc.h:

# Host unit tests: each tests/unit/test_NAME.c is one cmocka program, linked with the hypervisor
# sources listed (one path per line) in tests/unit/test_NAME.deps. Built for x86-64 with ASan
# and UBSan; -DHOST_TEST lets shared code leave out its target-only parts.
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
UNIT_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I. -DHOST_TEST $(CONFIG_INCLUDE) \
               -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(B)/unit/%: tests/unit/%.c tests/unit/%.deps $$(shell cat tests/unit/$$*.deps 2>/dev/null) $(B)/build_config.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) $< $(shell cat tests/unit/$*.deps) -lcmocka -o $@

# Concurrency tests: each tests/unit/race_NAME.c runs the hypervisor's code on host threads
# playing physical CPUs, built with ThreadSanitizer (which fails the run on any data race).
RACE_SRCS  := $(sort $(wildcard tests/unit/race_*.c))
RACE_BINS  := $(patsubst tests/unit/%.c,$(B)/unit/%,$(RACE_SRCS))
RACE_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I. -DHOST_TEST $(CONFIG_INCLUDE) \
               -fsanitize=thread -fno-omit-frame-pointer -pthread

$(RACE_BINS): $(B)/unit/%: tests/unit/%.c tests/unit/%.deps $$(shell cat tests/unit/$$*.deps 2>/dev/null) $(B)/build_config.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(RACE_CFLAGS) $< $(shell cat tests/unit/$*.deps) -lcmocka -o $@

unit: $(UNIT_BINS) $(RACE_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done
	@set -e; for t in $(RACE_BINS); do echo "== $$t"; TSAN_OPTIONS=halt_on_error=1 $$t; done

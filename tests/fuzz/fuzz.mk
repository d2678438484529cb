# libFuzzer harnesses: each tests/fuzz/fuzz_NAME.c is one fuzz target, linked with the sources
# listed in tests/fuzz/fuzz_NAME.deps, built for the host with clang, ASan and UBSan.
#   make fuzz-smoke   every target for a bounded number of runs (CI; well under a minute)
#   make fuzz         every target for FUZZ_TIME seconds each (default 120)
#   make fuzz-NAME    one target until stopped (Ctrl-C), e.g. make fuzz-pgtable
# Seeds live in tests/fuzz/corpus/NAME/ (tests/fuzz/mkseeds.py regenerates them); what a run
# learns goes to build/fuzz/corpus/NAME/, a crashing input to build/fuzz/artifacts/, and the
# whole output of a run to build/fuzz/NAME.log. Reproduce a crash: build/fuzz/fuzz_NAME FILE.
FUZZ_CC     ?= clang-14
FUZZ_TIME   ?= 120
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS   := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I. -DHOST_TEST $(CONFIG_INCLUDE) \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Per-target options and smoke-run lengths (sized from measured execution rates: the smoke set
# takes about 35 s on one core).
FUZZ_OPTS_fdt     := -max_len=8192 -dict=tests/fuzz/fdt.dict
FUZZ_OPTS_config  := -max_len=8192 -dict=tests/fuzz/config.dict -use_value_profile=1
FUZZ_OPTS_a64     := -max_len=128 -use_value_profile=1
FUZZ_OPTS_esr     := -max_len=32 -use_value_profile=1
FUZZ_OPTS_pgtable := -max_len=1024
FUZZ_OPTS_virtq   := -max_len=12288
FUZZ_OPTS_vgic    := -max_len=1024 -use_value_profile=1
FUZZ_OPTS_smccc   := -max_len=512 -use_value_profile=1
FUZZ_OPTS_console := -max_len=2048 -dict=tests/fuzz/console.dict
FUZZ_OPTS_control := -max_len=256 -dict=tests/fuzz/control.dict
FUZZ_OPTS_s2walk  := -max_len=16432 -use_value_profile=1
FUZZ_OPTS_net_offload := -max_len=66000 -use_value_profile=1
FUZZ_RUNS_fdt     := 60000
FUZZ_RUNS_config  := 60000
FUZZ_RUNS_a64     := 300000
FUZZ_RUNS_esr     := 200000
FUZZ_RUNS_pgtable := 40000
FUZZ_RUNS_virtq   := 250000
FUZZ_RUNS_vgic    := 8000
FUZZ_RUNS_its     := 8000
FUZZ_RUNS_smccc   := 150000
FUZZ_RUNS_console := 200000
FUZZ_RUNS_control := 100000
FUZZ_RUNS_s2walk  := 40000
FUZZ_RUNS_net_offload := 300000

.PHONY: fuzz-smoke fuzz-build $(addprefix fuzz-smoke-,$(FUZZ_NAMES)) $(addprefix fuzz-long-,$(FUZZ_NAMES)) \
        $(addprefix fuzz-,$(FUZZ_NAMES))

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_%.deps $$(shell cat tests/fuzz/fuzz_$$*.deps 2>/dev/null) $(B)/build_config.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(shell cat tests/fuzz/fuzz_$*.deps) -o $@

fuzz-build: $(FUZZ_BINS)

# One run of target $(1) with extra libFuzzer flags $(2), new inputs kept in corpus dir $(3);
# prints "fuzz NAME: Done N runs in S second(s)" on success, the end of the log and where the
# crashing input is on failure.
define fuzz_run
	@mkdir -p $(3) $(B)/fuzz/artifacts
	@if $(B)/fuzz/fuzz_$(1) $(FUZZ_OPTS_$(1)) $(2) -timeout=10 -artifact_prefix=$(B)/fuzz/artifacts/$(1)- \
	        $(3) tests/fuzz/corpus/$(1) > $(B)/fuzz/$(1).log 2>&1; then \
	    echo "fuzz $(1): $$(grep -E '^Done [0-9]+ runs' $(B)/fuzz/$(1).log)"; \
	else \
	    tail -n 40 $(B)/fuzz/$(1).log; \
	    echo "fuzz $(1): FAILED; log $(B)/fuzz/$(1).log, input in $(B)/fuzz/artifacts/"; \
	    exit 1; \
	fi
endef

# Smoke runs start from the seeds alone with a fixed seed, so that every run (and every CI
# machine) does the same work; the time cap only bounds a heavily loaded machine.
$(addprefix fuzz-smoke-,$(FUZZ_NAMES)): fuzz-smoke-%: $(B)/fuzz/fuzz_%
	@rm -rf $(B)/fuzz/smoke/$*
	$(call fuzz_run,$*,-runs=$(FUZZ_RUNS_$*) -seed=1 -max_total_time=20,$(B)/fuzz/smoke/$*)

$(addprefix fuzz-long-,$(FUZZ_NAMES)): fuzz-long-%: $(B)/fuzz/fuzz_%
	$(call fuzz_run,$*,-max_total_time=$(FUZZ_TIME),$(B)/fuzz/corpus/$*)

fuzz-smoke: $(addprefix fuzz-smoke-,$(FUZZ_NAMES))
fuzz: $(addprefix fuzz-long-,$(FUZZ_NAMES))

# Interactive: output on the terminal, runs until stopped or a crash.
$(addprefix fuzz-,$(FUZZ_NAMES)): fuzz-%: $(B)/fuzz/fuzz_%
	@mkdir -p $(B)/fuzz/corpus/$* $(B)/fuzz/artifacts
	$(B)/fuzz/fuzz_$* $(FUZZ_OPTS_$*) -artifact_prefix=$(B)/fuzz/artifacts/$*- \
	    $(B)/fuzz/corpus/$* tests/fuzz/corpus/$*

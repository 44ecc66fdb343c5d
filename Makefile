# casbench — top-level build.
#
# Layout (see docs/architecture.md):
#   lib/            libcasbench, no CLI code, by concern: common/ (errors, buffers,
#                   limits, processes, formats), data/ (values, the pickle codec,
#                   datasets, generator, systems), run/ (plan, pool, runner, backends,
#                   records, results directory, profilers), report/ (reading results:
#                   report, compare, statistics, plots). Included as "data/value.h".
#   programs/       the CLI: casbench.c (command table) + one cmd_*.c per command.
#   harness/common  the fork-per-call call supervisor and harness protocol I/O (C harnesses).
#   harness/<name>/ one directory per C harness -> build/harness/casbench-harness-<name>
#   harness/python  the Python harness runtime and adapters (copied to build/harness/python)
#   tracker/        the LD_PRELOAD allocation tracker -> build/libcasbench-memtrack.so
#   tests/          unit/ (C), integration/ (sh, py), fuzz/ (libFuzzer); run by tests/run-tests.sh
#
# New files are picked up by wildcard: adding a module never means editing this file.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += $(WARN) -std=gnu11 -fno-omit-frame-pointer -Ilib -Iharness/common $(SAN)
LDFLAGS += $(SAN)

FLINT_CFLAGS := -I/usr/include/flint
LIBS      := -lflint -lmpfr -lgmp -ljson-c -lcrypto -lz -lm
FLINT_LIBS := -lflint -lmpfr -lgmp
CALCIUM_LIBS := -lcalcium -lflint -lmpfr -lgmp

LIB_SRC      := $(sort $(wildcard lib/*/*.c))
LIB_OBJ      := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
PROG_SRC     := $(sort $(wildcard programs/*.c))
PROG_OBJ     := $(PROG_SRC:%.c=$(BUILD)/obj/%.o)
HCOMMON_SRC  := $(sort $(wildcard harness/common/*.c))
HCOMMON_OBJ  := $(HCOMMON_SRC:%.c=$(BUILD)/obj/%.o)
HARNESS_DIRS := $(filter-out common python,$(notdir $(patsubst %/,%,$(sort $(dir $(wildcard harness/*/*.c))))))
HARNESSES    := $(HARNESS_DIRS:%=$(BUILD)/harness/casbench-harness-%)
PY_SRC       := $(sort $(wildcard harness/python/*.py harness/python/*/*.py))
PY_OUT       := $(PY_SRC:harness/%=$(BUILD)/harness/%)
DATA_SRC     := $(sort $(wildcard harness/*/*.lib harness/*/*.wl harness/*/*.sing))
DATA_OUT     := $(DATA_SRC:harness/%=$(BUILD)/harness/%)
TRACKER_SRC  := $(sort $(wildcard tracker/*.c))
TRACKER      := $(if $(TRACKER_SRC),$(BUILD)/libcasbench-memtrack.so)
TEST_SRC     := $(sort $(wildcard tests/unit/test_*.c))
TESTS        := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS      := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

CLI := $(BUILD)/casbench

.PHONY: all test test-unit test-asan test-slurm fuzz run install clean deps bench
all: $(CLI) $(HARNESSES) $(PY_OUT) $(DATA_OUT) $(TRACKER) $(TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FLINT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcasbench.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libharness.a: $(HCOMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^ $(if $(HCOMMON_OBJ),,/dev/null)

$(CLI): $(PROG_OBJ) $(BUILD)/libcasbench.a
	$(CC) $(LDFLAGS) -o $@ $(PROG_OBJ) $(BUILD)/libcasbench.a $(LIBS)

# Each C harness: every .c in harness/<name>/, linked with the executor and the
# library it puppeteers (harness/<name>/LIBS may name extra link flags).
.SECONDEXPANSION:
$(BUILD)/harness/casbench-harness-%: $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(basename $$(wildcard harness/$$*/*.c)))) $(BUILD)/libharness.a $(BUILD)/libcasbench.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libharness.a $(BUILD)/libcasbench.a \
	  $(shell cat harness/$*/LIBS 2>/dev/null) $(LIBS) -lcrypto -ldl

$(BUILD)/harness/%: harness/%
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/libcasbench-memtrack.so: $(TRACKER_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SAN),$(CFLAGS)) -fPIC -shared -o $@ $(TRACKER_SRC) -ldl -lpthread

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/lib/*.h) $(BUILD)/libharness.a $(BUILD)/libcasbench.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FLINT_CFLAGS) -Itests/lib $(LDFLAGS) -o $@ $< $(BUILD)/libharness.a $(BUILD)/libcasbench.a $(LIBS) -lcrypto -ldl

# libFuzzer targets: clang only, with ASan + UBSan.
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Ilib $(FLINT_CFLAGS) -fsanitize=fuzzer,address,undefined
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)
fuzz: $(FUZZERS)

# A part that fails to install is said (install-deps: FAILED: ...) and casbench
# goes on without it: what needs it is reported unavailable, with the reason.
deps:
	@sh tools/install-deps.sh || echo "casbench: going on without what failed to install (above)" >&2

test: deps
	sh tools/slurm-test-cluster.sh install
	$(MAKE) all fuzz
	$(MAKE) BUILD=build/asan SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" CFLAGS="-O1 -g" all
	sh tests/run-tests.sh

test-unit: all
	sh tests/run-tests.sh --unit

# The Slurm executor on a real single-node cluster (docs/slurm.md); installs
# slurm-wlm and munge when missing (so does `make test`, which runs it too).
test-slurm: all
	sh tools/slurm-test-cluster.sh install
	sh tests/run-tests.sh --no-asan --only slurm_

run: deps
	$(MAKE) all
	$(CLI) run

bench: all
	@for b in bench/*.sh; do echo "== $$b"; sh $$b; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/casbench $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/casbench
	cp -r $(BUILD)/harness $(DESTDIR)$(PREFIX)/libexec/casbench/
	$(if $(TRACKER),install -m 755 $(TRACKER) $(DESTDIR)$(PREFIX)/libexec/casbench/)
	install -m 644 man/casbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/casbench.1

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

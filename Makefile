# fcdb: build, test, bench, install.  `make help` lists the targets.
#
# Overridable: CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR, SANITIZE (for example
# SANITIZE=address,undefined), WERROR=1 (warnings are errors, as in CI).

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
CFLAGS  ?= -O2 -g
SANITIZE ?=

WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude -MMD -MP
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS = -fsanitize=$(SANITIZE)
endif
ALL_LDFLAGS += $(LDFLAGS)
LIB_CFLAGS = $(ALL_CFLAGS) -fPIC -fvisibility=hidden -DFCDB_BUILDING_LIBRARY
LIBS     = -llmdb -lmsgpackc -lcjson -llzma -luuid -lpthread -lm

# Debian packages the build and the tests need; `make deps` installs them.
DEPS_PKGS = make gcc liblmdb-dev libmsgpack-dev libcjson-dev libxxhash-dev \
            liblzma-dev uuid-dev libcmocka-dev

LIB_SRC  = $(wildcard src/*.c)
LIB_OBJ  = $(LIB_SRC:.c=.o)
STATIC   = src/libfcdb.a
SHARED   = src/libfcdb.so
SONAME   = libfcdb.so.0

TOOL_SRC = $(wildcard tools/*.c)
TOOL_OBJ = $(TOOL_SRC:.c=.o)
TOOL     = $(if $(TOOL_SRC),tools/fcdb)
MANPAGE  = tools/fcdb.1

UNIT_TESTS = $(patsubst tests/unit_%.c,tests/bin/unit_%,$(wildcard tests/unit_*.c))
API_TESTS  = $(patsubst tests/api_%.c,tests/bin/api_%,$(wildcard tests/api_*.c))
TEST_BINS  = $(UNIT_TESTS) $(API_TESTS) tests/bin/readme_example \
  tests/bin/link_race.so
CLI_TESTS  = $(sort $(wildcard tests/cli/test_*.sh))
# Reliability suites (issue 6): quick variants in make test, full in make stress.
STRESS_TESTS = $(patsubst tests/stress/%.c,tests/bin/stress_%,$(wildcard tests/stress/*.c))
# libFuzzer targets, built with clang into tests/fuzz/bin.
FUZZ_SRC     = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    = $(patsubst tests/fuzz/%.c,tests/fuzz/bin/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc -MMD -MP \
                -fsanitize=fuzzer-no-link,address,undefined

.PHONY: all lib deps test check-header check-exports demo install uninstall \
        clean help valgrind stress fuzz fuzz-build fuzz-deps bench bench-deps
.DEFAULT_GOAL := all

# Keep object files make considers intermediate (test and bench objects).
.SECONDARY:

all: lib $(TOOL)

help:
	@echo "fcdb make targets:"
	@echo "  make deps      install missing Debian packages (apt-get as root)"
	@echo "  make           build the library (src/libfcdb.a, src/libfcdb.so) and tools/fcdb"
	@echo "  make demo      build, then run the main job on a demo store"
	@echo "  make test      build and run every test; ends with a summary line"
	@echo "  make valgrind  run the C test suites under valgrind"
	@echo "  make stress    the full reliability suites (crash, concurrency, corruption, limits), then make fuzz"
	@echo "  make fuzz      every libFuzzer target for FUZZ_SECONDS (default 60) each"
	@echo "  make bench     build and run the benchmark (N=$(N) SEED=$(SEED); see bench/README.md)"
	@echo "  make install   install library, header (PREFIX=$(PREFIX) DESTDIR=)"
	@echo "  make uninstall remove what install put there"
	@echo "  make clean     remove build outputs"
	@echo "Variables: CC CFLAGS LDFLAGS PREFIX DESTDIR SANITIZE=address,undefined WERROR=1"

# Install missing packages: a no-op when everything is present.
deps:
	@missing=""; \
	for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "fcdb: installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "fcdb: missing Debian packages:$$missing"; \
	  echo "fcdb: run: sudo apt-get install -y$$missing"; exit 1; \
	fi

# Rebuild everything when the compiler or its flags change.  FORCE must
# be phony: under .SECONDARY a plain empty rule is never "remade", and
# .flags then kept the old flags.
.PHONY: FORCE
.flags: FORCE
	@echo '$(CC) $(LIB_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	  echo '$(CC) $(LIB_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

lib: $(STATIC) $(SHARED)

src/%.o: src/%.c .flags
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
	ln -sf libfcdb.so $(dir $@)$(SONAME)

# ---- the fcdb command: a client of include/fcdb.h only ----

tools/%.o: tools/%.c .flags
	$(CC) $(ALL_CFLAGS) -c $< -o $@

tools/fcdb: $(TOOL_OBJ) $(STATIC)
	$(CC) $(ALL_LDFLAGS) -o $@ $(TOOL_OBJ) $(STATIC) $(LIBS)

# ---- bench: its own optimised, unsanitized build of the library ----
#
# The bench never links the objects of a SANITIZE build: it compiles the
# library sources again into bench/obj/lib with BENCH_OPT, so `make bench`
# measures the same code however the tree was last built.

N          ?= 100000
SEED       ?= 1
BENCH_ARGS ?=
BENCH_OPT  ?= -O2 -g -DNDEBUG
BENCH_PKGS  = libsqlite3-dev
BENCH_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(BENCH_OPT) -Iinclude -MMD -MP
BENCH_SRC     = $(wildcard bench/*.c)
BENCH_OBJ     = $(patsubst bench/%.c,bench/obj/%.o,$(BENCH_SRC))
BENCH_LIB_OBJ = $(patsubst src/%.c,bench/obj/lib/%.o,$(LIB_SRC))

# The bench's extra packages, installed like `make deps` does.
bench-deps:
	@missing=""; \
	for p in $(BENCH_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "fcdb: installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "fcdb: missing Debian packages:$$missing"; \
	  echo "fcdb: run: sudo apt-get install -y$$missing"; exit 1; \
	fi

bench/obj/.flags: FORCE
	@mkdir -p bench/obj/lib
	@echo '$(CC) $(BENCH_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	  echo '$(CC) $(BENCH_CFLAGS) $(LDFLAGS)' > $@

bench/obj/lib/%.o: src/%.c bench/obj/.flags
	$(CC) $(BENCH_CFLAGS) -fvisibility=hidden -DFCDB_BUILDING_LIBRARY -c $< -o $@

bench/obj/%.o: bench/%.c bench/obj/.flags
	$(CC) $(BENCH_CFLAGS) -Ibench -c $< -o $@

bench/bench: $(BENCH_OBJ) $(BENCH_LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJ) $(BENCH_LIB_OBJ) $(LIBS) -lsqlite3

# `make bench` (N=100000, under 3 minutes on 2 cores) or
# `make bench N=1000000 SEED=7` for the full run.  Results:
# bench/results/latest.json and the markdown report on stdout.
bench: deps bench-deps
	@$(MAKE) --no-print-directory bench/bench
	bench/bench $(N) $(SEED) $(BENCH_ARGS)

# ---- tests ----

tests/bin:
	mkdir -p $@

# Unit tests include src/ headers; API tests must not (see the rule below).
tests/unit_%.o: tests/unit_%.c .flags
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

tests/%.o: tests/%.c .flags
	$(CC) $(ALL_CFLAGS) -Ibench -c $< -o $@

# Unit tests see the internals: static archive, src/ headers.
tests/bin/unit_%: tests/unit_%.o tests/testutil.o $(STATIC) | tests/bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< tests/testutil.o $(STATIC) $(LIBS) -lcmocka

# The fcdb command's fault handler, tested on its own with liblmdb.
tests/bin/unit_fault: tests/unit_fault.o tests/testutil.o tools/fault.o $(STATIC) | tests/bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< tests/testutil.o tools/fault.o $(STATIC) $(LIBS) -lcmocka

bench/%.o: bench/%.c .flags
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# API tests see only fcdb.h (and the bench's corpus generator) and link
# the shared library.
tests/bin/api_%: tests/api_%.o tests/testutil.o bench/corpus.o $(SHARED) | tests/bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< tests/testutil.o bench/corpus.o -Lsrc -lfcdb \
	  -Wl,-rpath,'$$ORIGIN/../../src' -lcmocka -lcjson -lpthread

# Reliability suites: API only, like the API tests.
tests/bin/stress_%: tests/stress/%.c tests/testutil.o bench/corpus.o $(SHARED) | tests/bin
	$(CC) $(ALL_CFLAGS) -Ibench -Itests $(ALL_LDFLAGS) -o $@ $< tests/testutil.o \
	  bench/corpus.o -Lsrc -lfcdb -Wl,-rpath,'$$ORIGIN/../../src' -lcmocka \
	  -lcjson -lpthread

# Fuzz targets: the library rebuilt with clang and the fuzzer's sanitizers.
tests/fuzz/obj/%.o: src/%.c
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -c $< -o $@

tests/fuzz/bin/%: tests/fuzz/%.c $(patsubst src/%.c,tests/fuzz/obj/%.o,$(LIB_SRC))
	@mkdir -p tests/fuzz/bin
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LIBS)

fuzz-build: deps fuzz-deps $(FUZZ_BINS)

# Run each target from its seed corpus (tests/fuzz/corpus/NAME, copied to
# a scratch directory) for FUZZ_SECONDS; a crash fails the run and leaves
# its input in tests/fuzz/crashes/ to become a regression test.
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-deps:
	@$(MAKE) --no-print-directory deps DEPS_PKGS="clang libclang-rt-dev"

stress: deps
	@$(MAKE) --no-print-directory all $(STRESS_TESTS)
	@FCDB_STRESS=full FCDB_SHOW=1 FCDB=$(CURDIR)/tools/fcdb sh tests/run.sh \
	  $(STRESS_TESTS)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# The README's C example, extracted and compiled as a user would.
tests/readme_example.c: README.md tests/extract-example.sh
	sh tests/extract-example.sh README.md > $@

tests/bin/readme_example: tests/readme_example.c $(SHARED) | tests/bin
	$(CC) -std=c99 -Wall -Wextra -Werror -Iinclude $(ALL_LDFLAGS) -o $@ $< \
	  -Lsrc -lfcdb -Wl,-rpath,'$$ORIGIN/../../src'

# A link(2) that loses a race on purpose (test_write.sh preloads it).
tests/bin/link_race.so: tests/cli/link_race.c | tests/bin
	$(CC) -std=c11 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# fcdb.h must stand alone as strict C99.
check-header:
	$(CC) -std=c99 -pedantic -Werror -Wall -Wextra -fsyntax-only \
	  -Iinclude -x c include/fcdb.h

# The shared library exports fcdb_* and nothing else.
check-exports: $(SHARED)
	@bad=$$(nm -D --defined-only $(SHARED) | awk '{print $$3}' \
	  | grep -v -E '^fcdb_[a-z0-9]' | grep -v -E '^(_init|_fini)$$' || true); \
	if [ -n "$$bad" ]; then echo "exported non-fcdb_ symbols: $$bad"; exit 1; fi; \
	echo "check-exports: only fcdb_* exported ($$(nm -D --defined-only $(SHARED) | grep -c ' T fcdb_') functions)"

# The main job on a demo store: see tools/demo.sh.
demo: deps
	@$(MAKE) --no-print-directory all
	@FCDB=$(CURDIR)/tools/fcdb sh tools/demo.sh

# The bench is built and run once at a tiny N (tests/bench_smoke.sh) so it
# cannot rot; no timing is checked.
test: deps bench-deps
	@$(MAKE) --no-print-directory all $(TEST_BINS) $(STRESS_TESTS) \
	  check-header check-exports bench/bench
	@FCDB=$(CURDIR)/tools/fcdb sh tests/run.sh $(UNIT_TESTS) $(API_TESTS) \
	  tests/readme.sh $(CLI_TESTS) $(STRESS_TESTS) tests/bench_smoke.sh

VALGRIND_CMD = valgrind -q --fair-sched=yes --error-exitcode=99 \
  --leak-check=full --errors-for-leak-kinds=definite \
  --suppressions=$(CURDIR)/tests/valgrind.supp

# The C suites with every binary under valgrind, and the command-line
# suites with every fcdb run under it (lib.sh fails a test on status 99).
valgrind: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@VALGRIND="$(VALGRIND_CMD)" FCDB="$(VALGRIND_CMD) $(CURDIR)/tools/fcdb" \
	  sh tests/run.sh $(UNIT_TESTS) $(API_TESTS) tests/readme.sh \
	  $(CLI_TESTS)

# ---- install ----

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 tools/fcdb $(DESTDIR)$(PREFIX)/bin/fcdb
	install -m 644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/fcdb.1
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/libfcdb.a
	install -m 755 $(SHARED) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libfcdb.so
	install -m 644 include/fcdb.h $(DESTDIR)$(PREFIX)/include/fcdb.h

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/fcdb $(DESTDIR)$(PREFIX)/share/man/man1/fcdb.1
	rm -f $(DESTDIR)$(PREFIX)/lib/libfcdb.a $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	  $(DESTDIR)$(PREFIX)/lib/libfcdb.so $(DESTDIR)$(PREFIX)/include/fcdb.h

clean:
	rm -f src/*.o src/*.d src/*.a src/*.so src/*.so.* tests/*.o tests/*.d \
	  tools/*.o tools/*.d tools/fcdb bench/*.o bench/*.d bench/bench \
	  tests/readme_example.c .flags
	rm -rf tests/bin tests/fuzz/bin tests/fuzz/obj bench/obj

-include $(wildcard src/*.d tests/*.d tests/bin/*.d tools/*.d bench/*.d \
  bench/obj/*.d bench/obj/lib/*.d tests/fuzz/obj/*.d tests/fuzz/bin/*.d)

# tafel: partner-table case sharing.  GNU make.
#
#   make              build tafeld, tafel and libtafel.a into $(B)/
#   make check        unit tests (cmocka), then integration tests
#   make check-asan   the same suite built with ASan and UBSan
#   make check-valgrind  the unit tests under valgrind (memcheck)
#   make demo         three daemons on loopback, one case, end to end
#   make deps         install the Debian packages we build with
#   make fuzz         libFuzzer harnesses (clang) into build-fuzz/
#   make fuzz-smoke   run each harness FUZZ_SECONDS from its seed corpus
#   make bench        release build in build-bench/, then limits, end to
#                     end, audit and memory figures as one table (not a
#                     test; tests/bench/run.sh, docs/performance.md)
#   make install      PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=
PKG_CONFIG ?= pkg-config

B	?= build
PKGS	:= libsodium libzmq libczmq lmdb msgpack
TESTPKGS := cmocka
DEBS	:= build-essential pkg-config libsodium-dev libzmq3-dev libczmq-dev \
	   liblmdb-dev libmsgpack-dev libcmocka-dev lmdb-utils valgrind faketime
SUDO	:= $(shell [ "$$(id -u)" = 0 ] || echo sudo)

HAVE_DEPS := $(shell $(PKG_CONFIG) --exists $(PKGS) $(TESTPKGS) 2>/dev/null \
	     && echo yes)

FUZZDEBS := clang libclang-rt-14-dev
CLANG	?= clang
FUZZ_SECONDS ?= 30

.PHONY: all check check-unit check-integration check-asan check-valgrind \
	demo deps install clean lint fuzz fuzz-smoke fuzz-deps bench bench-run

ifneq ($(HAVE_DEPS),yes)

# A fresh machine: install the packages, then run the same target again.
all check check-unit check-integration check-asan check-valgrind demo \
install lint fuzz fuzz-smoke bench:
	@echo "tafel: build dependencies missing; running 'make deps' first"
	$(MAKE) deps
	$(MAKE) $@

else

ifeq ($(SAN),1)
OPT	:= -O1 -g -fno-omit-frame-pointer
HARDEN	:=
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
else
OPT	?= -O2 -g
HARDEN	:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	   -fstack-clash-protection -fcf-protection
SANFLAGS :=
endif

CFLAGS	?= $(OPT)
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 \
	   -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter -fPIE $(HARDEN) $(SANFLAGS) -Iinclude \
	   $(shell $(PKG_CONFIG) --cflags $(PKGS)) -MMD -MP
LDFLAGS	+= -pie -Wl,-z,relro,-z,now $(SANFLAGS)
LIBS	:= $(shell $(PKG_CONFIG) --libs $(PKGS))
TESTLIBS := $(shell $(PKG_CONFIG) --libs $(TESTPKGS))

PROTO_SRC  := $(wildcard proto/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

PROTO_OBJ  := $(PROTO_SRC:%.c=$(B)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(B)/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# Test tools (tests/tools/tafel-*.c): hostile peers and clients for the
# integration tests, linked against libtafel only.
TOOLS      := $(patsubst tests/tools/%.c,$(B)/%,\
	      $(wildcard tests/tools/tafel-*.c))

all: $(B)/tafeld $(B)/tafel $(B)/libtafel.a

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libtafel.a: $(PROTO_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libtafeld.a: $(DAEMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libtafelc.a: $(CLIENT_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tafeld: $(B)/daemon/main.o $(B)/libtafeld.a $(B)/libtafel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tafel: $(B)/client/main.o $(B)/libtafelc.a $(B)/libtafel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A unit test links libtafel and, for daemon and client modules, the
# daemon's and the client's objects.
$(B)/tests/test_%: tests/unit/test_%.c $(B)/libtafeld.a $(B)/libtafelc.a \
    $(B)/libtafel.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iclient $(LDFLAGS) -o $@ $< $(B)/libtafeld.a \
	    $(B)/libtafelc.a $(B)/libtafel.a $(LIBS) $(TESTLIBS)

$(B)/tafel-%: tests/tools/tafel-%.c $(B)/libtafel.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libtafel.a $(LIBS)

check: all $(UNIT_BIN) $(TOOLS)
	@sh tests/run.sh $(B)

check-unit: all $(UNIT_BIN)
	@sh tests/run.sh $(B) unit

check-integration: all $(TOOLS)
	@sh tests/run.sh $(B) integration

check-asan:
	$(MAKE) B=build-asan SAN=1 check

# The unit tests under valgrind; any error or definite leak fails.  The
# plain build (no sanitizers: they do not mix with valgrind).
check-valgrind: all $(UNIT_BIN)
	@command -v valgrind >/dev/null 2>&1 || $(MAKE) deps
	@sh tests/run.sh $(B) unit-valgrind

demo: all
	@sh tests/demo.sh $(B)

# Benchmarks: a release build of its own (no sanitizers, NDEBUG; -g only
# for perf's symbols), then tests/bench/run.sh.  Never part of check.
BENCH_BIN := $(patsubst tests/bench/%.c,$(B)/%,\
	     $(wildcard tests/bench/bench_*.c))

bench:
	@$(MAKE) --no-print-directory B=build-bench OPT="-O2 -g -DNDEBUG" \
	    bench-run

bench-run: all $(BENCH_BIN)
	@sh tests/bench/run.sh $(B)

$(B)/bench_%: tests/bench/bench_%.c $(B)/libtafeld.a $(B)/libtafelc.a \
    $(B)/libtafel.a
	$(CC) $(CFLAGS) -Iclient $(LDFLAGS) -o $@ $< $(B)/libtafeld.a \
	    $(B)/libtafelc.a $(B)/libtafel.a $(LIBS)

lint:
	clang-format --dry-run --Werror $(PROTO_SRC) daemon/*.c client/*.c \
	    2>/dev/null || true

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(B)/tafel $(DESTDIR)$(BINDIR)/tafel
	install -m 0755 $(B)/tafeld $(DESTDIR)$(SBINDIR)/tafeld
	install -m 0644 docs/man/tafel.1 $(DESTDIR)$(MANDIR)/man1/tafel.1
	install -m 0644 docs/man/tafeld.8 $(DESTDIR)$(MANDIR)/man8/tafeld.8

# libFuzzer: each harness links the proto sources directly, built with
# clang and ASan+UBSan.  Seeds are in tests/fuzz/corpus/NAME; what the
# fuzzer finds goes to build-fuzz/corpus/NAME, outside the repository.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-Iinclude $(shell $(PKG_CONFIG) --cflags libsodium msgpack)
FUZZ_LIBS := $(shell $(PKG_CONFIG) --libs libsodium msgpack)

fuzz:
	@command -v $(CLANG) >/dev/null 2>&1 || $(MAKE) fuzz-deps
	@$(MAKE) $(FUZZ_BIN)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(PROTO_SRC) $(wildcard include/tafel/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRC) $(FUZZ_LIBS)

fuzz-smoke: fuzz
	@sh tests/fuzz/smoke.sh build-fuzz $(FUZZ_SECONDS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

endif

deps:
	@if command -v apt-get >/dev/null 2>&1; then \
	    $(SUDO) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
	        --no-install-recommends $(DEBS); \
	else \
	    echo "tafel: no apt-get here; install: $(DEBS)" >&2; exit 1; \
	fi

fuzz-deps:
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
	    --no-install-recommends $(FUZZDEBS)

clean:
	rm -rf build build-asan build-fuzz build-bench

# eksl — plain Makefile; dependencies found with pkg-config.
#
#   make              build every program into bin/
#   make test         install missing Debian packages, build, run every test
#   make SAN=1 test   the same with ASan+UBSan (objects under build/san)
#   make lint         warnings as errors, banned functions, mandoc -Tlint
#   make bench        benchmarks against the peer tools (hyperfine)
#   make demo         the outage drill on local stand-ins
#   make install      DESTDIR, PREFIX honoured
#
# BUILD (objects) and OUT (programs) may be set to build elsewhere.

VERSION	 = 0.1.0
PREFIX	?= /usr/local
DESTDIR	?=
SAN	?= 0
WERROR	?= 0

ifeq ($(SAN),1)
BUILD	?= build/san
OUT	?= $(BUILD)/bin
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer
else
BUILD	?= build/obj
OUT	?= bin
SANFLAGS =
endif

PKGS	 = libcares libcurl openssl jansson ldns yaml-0.1
CC	?= cc
WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
CFLAGS	?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ilib $(shell pkg-config --cflags $(PKGS))
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS)
LDFLAGS	+= -Wl,--as-needed -Wl,-O1 $(SANFLAGS)

# Every program links with --as-needed against the static libeksl.a: a
# program records a shared library only when the lib/ objects it really
# uses call into it, so eksl-token (run by kubectl on every call) never
# loads libcurl, libxml2 or c-ares.
LIBS	 = $(shell pkg-config --libs $(PKGS)) -lm
# eksl-token only hashes (SHA-256) and reads a little JSON, and kubectl
# runs it on every call: linking libcrypto and jansson statically takes
# in ~40 KB of code instead of mapping and relocating the 4.5 MB shared
# libcrypto, which halves its start-up and keeps its peak RSS near that
# of a C hello (measured: bench/token.sh).  TOKEN_STATIC=0 links it
# dynamically like the rest.
TOKEN_STATIC ?= 1
ifeq ($(TOKEN_STATIC),1)
$(OUT)/eksl-token: LIBS := -Wl,-Bstatic -lcrypto -ljansson -Wl,-Bdynamic \
	$(LIBS)
endif

LIB_SRC	 = $(sort $(wildcard lib/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA	 = $(BUILD)/libeksl.a
PROG_SRC = $(sort $(wildcard bin/*.c))
PROGS	 = $(PROG_SRC:bin/%.c=$(OUT)/%)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNITS	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOLS	 = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAYS	 = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
MANS	 = $(sort $(wildcard man/*.1 man/*.7))

.PHONY: all units tools replays fuzz test lint bench demo install uninstall clean deps
.SUFFIXES:

all: $(PROGS)

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(PROGS): $(OUT)/%: $(BUILD)/bin/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(UNITS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(TOOLS): $(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(REPLAYS): $(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o \
    $(BUILD)/tests/fuzz/replay.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

units: $(UNITS)
replays: $(REPLAYS)
tools: $(TOOLS)

deps:
	@sh tests/deps.sh

test: deps
	@$(MAKE) --no-print-directory all units tools replays
	@EKSL_BIN=$(abspath $(OUT)) EKSL_BUILD=$(abspath $(BUILD)) \
	    sh tests/run.sh $(T)

lint: deps
	@$(MAKE) --no-print-directory BUILD=build/lint WERROR=1 OUT=build/lint/bin \
	    all units tools replays
	@sh tests/lint.sh $(MANS)

# Run every fuzz target with libFuzzer (clang) for FUZZ_SECONDS each;
# crashes are saved into tests/fuzz/corpus/TARGET/ and replayed by make test.
FUZZ_SECONDS ?= 60
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

bench: deps all
	@EKSL_BIN=$(abspath $(OUT)) sh bench/run.sh

demo: deps all
	@EKSL_BIN=$(abspath $(OUT)) bash tests/demo.sh

DOCDIR	 = $(PREFIX)/share/doc/eksl
BASHCOMP = $(PREFIX)/share/bash-completion/completions
ZSHCOMP	 = $(PREFIX)/share/zsh/site-functions

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(BASHCOMP) $(DESTDIR)$(ZSHCOMP)
	install -m 755 $(PROGS) contrib/cron/eksl-refresh $(DESTDIR)$(PREFIX)/bin/
	for m in $(filter %.1,$(MANS)); do install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man1/ || exit 1; done
	for m in $(filter %.7,$(MANS)); do install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man7/ || exit 1; done
	install -m 644 contrib/completion/eksl.bash $(DESTDIR)$(BASHCOMP)/eksl
	for p in $(PROG_SRC:bin/%.c=%); do [ $$p = eksl ] || \
	    ln -sf eksl $(DESTDIR)$(BASHCOMP)/$$p; done
	install -m 644 contrib/completion/_eksl $(DESTDIR)$(ZSHCOMP)/_eksl
	install -m 644 README.md doc/DESIGN.md $(DESTDIR)$(DOCDIR)/
	cp -R contrib $(DESTDIR)$(DOCDIR)/
	sed 's|/usr/local|$(PREFIX)|g' contrib/systemd/eksl-refresh.service \
	    >$(DESTDIR)$(DOCDIR)/contrib/systemd/eksl-refresh.service
	sed 's|/usr/local|$(PREFIX)|g' contrib/cron/eksl-refresh.cron \
	    >$(DESTDIR)$(DOCDIR)/contrib/cron/eksl-refresh.cron

uninstall:
	for p in $(PROG_SRC:bin/%.c=%) eksl-refresh; do \
	    rm -f $(DESTDIR)$(PREFIX)/bin/$$p $(DESTDIR)$(BASHCOMP)/$$p; done
	for m in $(MANS); do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$m) \
	    $(DESTDIR)$(PREFIX)/share/man/man7/$$(basename $$m); done
	rm -f $(DESTDIR)$(ZSHCOMP)/_eksl
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build
	rm -f $(PROGS)

# Keep objects; make's default would delete them as intermediates.
.SECONDARY:

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

PKGS	 = libcares libcurl openssl jansson ldns yaml-0.1 libxml-2.0
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

# Each program links only what it uses (start-up time matters for
# eksl-token, run by kubectl on every call).  LIBS_<prog> lists pkg-config
# packages; programs not listed get them all.
LIBS_eksl		=
LIBS_eksl-token		= openssl jansson
LIBS_eksl-hosts		= jansson
LIBS_eksl-kubeconfig	= jansson yaml-0.1
LIBS_eksl-zone		= jansson ldns openssl
LIBS_eksl-resolve	= jansson libcares

LIB_SRC	 = $(sort $(wildcard lib/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA	 = $(BUILD)/libeksl.a
PROG_SRC = $(sort $(wildcard bin/*.c))
PROGS	 = $(PROG_SRC:bin/%.c=$(OUT)/%)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNITS	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOLS	 = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
MANS	 = $(sort $(wildcard man/*.1 man/*.7))

pkgsof	 = $(strip $(if $(filter undefined,$(origin LIBS_$(1))),$(PKGS),$(LIBS_$(1))))
pkglibs	 = $(if $(call pkgsof,$(1)),$(shell pkg-config --libs $(call pkgsof,$(1))))

.PHONY: all units tools test lint bench demo install uninstall clean deps
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
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(call pkglibs,$*) -lm

$(UNITS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(shell pkg-config --libs $(PKGS)) -lm

$(TOOLS): $(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(shell pkg-config --libs $(PKGS)) -lm

units: $(UNITS)
tools: $(TOOLS)

deps:
	@sh tests/deps.sh

test: deps
	@$(MAKE) --no-print-directory all units tools
	@EKSL_BIN=$(abspath $(OUT)) EKSL_BUILD=$(abspath $(BUILD)) \
	    sh tests/run.sh $(T)

lint: deps
	@$(MAKE) --no-print-directory BUILD=build/lint WERROR=1 OUT=build/lint/bin \
	    all units tools
	@sh tests/lint.sh $(MANS)

bench: deps all
	@EKSL_BIN=$(abspath $(OUT)) sh bench/run.sh

demo: deps all
	@EKSL_BIN=$(abspath $(OUT)) sh tests/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(filter %.1,$(MANS)); do install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(filter %.7,$(MANS)); do install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man7/; done

uninstall:
	for p in $(PROG_SRC:bin/%.c=%); do rm -f $(DESTDIR)$(PREFIX)/bin/$$p; done
	for m in $(MANS); do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$m) \
	    $(DESTDIR)$(PREFIX)/share/man/man7/$$(basename $$m); done

clean:
	rm -rf build
	rm -f $(PROGS)

# Keep objects; make's default would delete them as intermediates.
.SECONDARY:

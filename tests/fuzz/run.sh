#!/bin/sh
# make fuzz: build each target with clang's libFuzzer (ASan+UBSan) and run
# it for FUZZ_SECONDS.  New coverage goes to build/fuzz/work/TARGET; the
# saved corpus tests/fuzz/corpus/TARGET is read as seeds; a crash is saved
# there as crash-* (replayed by make test until it is fixed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
: "${FUZZ_SECONDS:=60}"
out=build/fuzz
mkdir -p "$out"
pkgs="libcares libcurl openssl jansson ldns yaml-0.1"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm"
# lib/ once, instrumented for coverage; each target pulls what it needs.
make --no-print-directory BUILD="$out/obj" OUT="$out/bin" CC=clang \
    CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
    "$out/obj/libeksl.a" >"$out/build.log" 2>&1 || {
	cat "$out/build.log"
	exit 1
}
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
rc=0
for t in $targets; do
	echo "== fuzz $t (${FUZZ_SECONDS}s)"
	# shellcheck disable=SC2086
	if ! clang $cflags -o "$out/fuzz_$t" "tests/fuzz/fuzz_$t.c" "$out/obj/libeksl.a" $libs; then
		rc=1
		continue
	fi
	mkdir -p "$out/work/$t" "tests/fuzz/corpus/$t"
	"$out/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    -artifact_prefix="tests/fuzz/corpus/$t/crash-" -timeout=5 \
	    -rss_limit_mb=2048 "$out/work/$t" "tests/fuzz/corpus/$t" \
	    2>"$out/$t.log"
	st=$?
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE' "$out/$t.log"
	if [ $st != 0 ]; then
		echo "fuzz $t: FAILED (exit $st); see $out/$t.log"
		tail -n 30 "$out/$t.log"
		rc=1
	fi
done
exit $rc

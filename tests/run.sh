#!/bin/sh
# Run every test inside a private network namespace, then print
# "N passed, N failed".  Usage: tests/run.sh [FILE.bats|UNIT ...]
# With no argument: every unit test, every fuzz corpus replay and every
# bats file but those listed in EKSL_BATS_EXCLUDE (paths from the top,
# such as tests/contrib.bats, separated by spaces).
#
# Nothing a test does can reach another machine: the namespace has only
# loopback.  Test clusters use 127.0.0.11-13 as their static IPs.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${EKSL_BIN:=$top/bin}"
: "${EKSL_BUILD:=$top/build/obj}"
export EKSL_BIN EKSL_BUILD EKSL_TOP="$top"

if [ "${EKSL_SEALED:-}" != 1 ]; then
	seal='ip link set lo up && ip addr add 192.0.2.1/32 dev lo &&
	    EKSL_SEALED=1 exec sh tests/run.sh "$@"'
	if [ "$(id -u)" = 0 ]; then
		exec unshare -n sh -c "$seal" sh "$@"
	fi
	exec unshare -rn sh -c "$seal" sh "$@"
fi

# Refuse to run unsealed: a default route means we are not in our namespace.
if ip route show default 2>/dev/null | grep -q .; then
	echo "tests: not in a private network namespace; refusing to run" >&2
	exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/eksl-test.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM
status=0

units= bats=
if [ $# -gt 0 ]; then
	for t in "$@"; do
		case $t in
		*.bats) bats="$bats $t" ;;
		*) units="$units $t" ;;
		esac
	done
else
	units=$(ls "$EKSL_BUILD"/tests/test_* 2>/dev/null)
	bats=
	for b in $(ls tests/*.bats tests/e2e/*.bats 2>/dev/null); do
		case " ${EKSL_BATS_EXCLUDE:-} " in
		*" $b "*) echo "# excluded: $b" ;;
		*) bats="$bats $b" ;;
		esac
	done
fi

for u in $units; do
	[ -x "$u" ] || u="$EKSL_BUILD/tests/$u"
	echo "# unit: $(basename "$u")"
	"$u" >"$log.u" 2>&1
	rc=$?
	cat "$log.u"
	cat "$log.u" >>"$log"
	if [ $rc != 0 ] && ! grep -q '^not ok' "$log.u"; then
		echo "not ok - $(basename "$u") exited $rc" | tee -a "$log"
	fi
	rm -f "$log.u"
done

# Replay every fuzz target's saved corpus (no libFuzzer needed).
if [ $# -eq 0 ]; then
	for r in "$EKSL_BUILD"/fuzz/replay_*; do
		[ -x "$r" ] || continue
		name=${r##*/replay_}
		echo "# fuzz replay: $name"
		"$r" "tests/fuzz/corpus/$name" >"$log.u" 2>&1
		rc=$?
		cat "$log.u"
		cat "$log.u" >>"$log"
		if [ $rc != 0 ] && ! grep -q '^not ok' "$log.u"; then
			echo "not ok - fuzz replay $name exited $rc" | tee -a "$log"
		fi
		rm -f "$log.u"
	done
fi

if [ -n "$bats" ]; then
	export PATH="$EKSL_BIN:$PATH"
	# shellcheck disable=SC2086
	# Files run side by side (tests within a file stay in order): most
	# of a file's time is spent waiting on servers starting and answering.
	jobs=
	if [ "${EKSL_TEST_JOBS:-3}" -gt 1 ] && command -v parallel >/dev/null 2>&1; then
		jobs="--jobs ${EKSL_TEST_JOBS:-3} --no-parallelize-within-files"
	fi
	bats --tap --timing $jobs $bats >"$log.b" 2>&1
	rc=$?
	cat "$log.b"
	cat "$log.b" >>"$log"
	if [ $rc != 0 ] && ! grep -q '^not ok' "$log.b"; then
		echo "not ok - bats exited $rc" | tee -a "$log"
	fi
	rm -f "$log.b"
fi

skipped=$(grep -cE '^ok .*# ?[Ss][Kk][Ii][Pp]' "$log")
passed=$(grep -c '^ok ' "$log")
passed=$((passed - skipped))
failed=$(grep -c '^not ok' "$log")
[ "$failed" -gt 0 ] && status=1
if [ "$((passed + failed))" -eq 0 ]; then
	echo "tests: no test ran" >&2
	status=1
fi
echo
# The failures again at the end, where a CI log's tail shows them.
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep -A1 '^not ok' "$log" | grep -E '^(not ok|# \(in test file)' |
	    sed 's/^/  /'
	echo
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit $status

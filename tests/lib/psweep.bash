# The allocation-failure sweep with a stricter judge than hardening.bats'
# alloc_sweep: a failing allocation must be done without or reported as
# such.  Load after lib/common.
#
# ALLOC_RUNS: failing runs per sweep when a run makes more allocations
# than this (spread evenly over them); EKSL_ALLOC_RUNS=100000 fails every
# one.
ALLOC_RUNS=${EKSL_ALLOC_RUNS:-40}

# psweep INPUT CMD...: run CMD (stdin INPUT) under tests/shim/failmalloc
# once normally, then with the N-th allocation failing for N = 1.. (every
# N up to ALLOC_RUNS runs, else ALLOC_RUNS spread over them).  Unlike
# hardening.bats' alloc_sweep, the normal run may exit non-zero (a
# degraded run, exit 1) and the file SWEEP_FILE (when set) is checked too.
# PRE (when set) runs before each run: it puts SWEEP_FILE's original back.
# Each failing run must end by exit, not by a signal, and either
#   - give what the normal run gave: status, stderr (through
#     ALLOC_ERRNORM, default cat), stdout (through ALLOC_NORM, default
#     cat) and SWEEP_FILE; or
#   - exit non-zero with a "prog: ..." line on stderr that says memory ran
#     out (ALLOC_MSG), leaving SWEEP_FILE the original or the normal result
#     and no temporary file beside it.
# Under ASan (make SAN=1) the shim cannot replace its allocator: a test
# that sweeps calls plain_build_only first (it runs on the plain build,
# in make test).
# A signal whose backtrace (gdb) has a frame matching ALLOC_KNOWN is a
# known crash inside a library, and an error matching ALLOC_OTHER one of a
# module swept elsewhere (the record reader names the input's line but
# not always memory: reported); both are counted apart.
psweep() {
	local input=$1
	shift
	local so=$BATS_FILE_TMPDIR/failmalloc.so t=$BATS_TEST_TMPDIR
	local norm=${ALLOC_NORM:-cat} enorm=${ALLOC_ERRNORM:-cat} file=${SWEEP_FILE:-}
	local msg=${ALLOC_MSG:-'out of memory|cannot allocate memory|malloc failure'}
	local prog=${1##*/} total step n rc wantrc bad=0 known=0 runs=0 same=0 clean=0 other=0
	[ -f "$so" ] || cc -O1 -shared -fPIC -o "$so" \
	    "$BATS_TEST_DIRNAME/shim/failmalloc.c" || return 1
	${PRE:-:}
	rm -f "$t/ps.orig"
	[ -n "$file" ] && [ -e "$file" ] && cp "$file" "$t/ps.orig"
	FAILMALLOC_COUNT=$t/ps.count LD_PRELOAD=$so "$@" <"$input" \
	    >"$t/ps.raw" 2>"$t/ps.wanterr"
	wantrc=$?
	$norm <"$t/ps.raw" >"$t/ps.want"
	$enorm <"$t/ps.wanterr" >"$t/ps.wanterrn"
	if [ "$wantrc" -gt 1 ]; then
		echo "psweep: the normal run exited $wantrc: $(cat "$t/ps.wanterr")"
		return 1
	fi
	rm -f "$t/ps.wantfile"
	[ -n "$file" ] && [ -e "$file" ] && cp "$file" "$t/ps.wantfile"
	total=$(cat "$t/ps.count")
	step=$(( total > ALLOC_RUNS ? (total + ALLOC_RUNS - 1) / ALLOC_RUNS : 1 ))
	for n in $(seq 1 "$step" "$total"); do
		runs=$((runs + 1))
		${PRE:-:}
		FAILMALLOC_FAIL=$n LD_PRELOAD=$so "$@" <"$input" \
		    >"$t/ps.out" 2>"$t/ps.err"
		rc=$?
		if [ "$rc" -ge 7 ]; then
			if [ -n "${ALLOC_KNOWN:-}" ] && _psweep_known "$n" "$so" "$@" <"$input"; then
				echo "psweep: malloc #$n: exit $rc inside a library (known): $(head -c 200 "$t/ps.err")"
				known=$((known + 1))
			else
				echo "psweep: malloc #$n: exit $rc: $(head -c 300 "$t/ps.err")"
				bad=$((bad + 1))
			fi
			continue
		fi
		if [ "$rc" -eq "$wantrc" ] && $norm <"$t/ps.out" | cmp -s - "$t/ps.want" &&
		    $enorm <"$t/ps.err" | cmp -s - "$t/ps.wanterrn" &&
		    _psweep_file_is "$t/ps.wantfile"; then
			same=$((same + 1))
		elif [ "$rc" -eq 0 ]; then
			echo "psweep: malloc #$n: exit 0 with a different result"
			diff <($norm <"$t/ps.out") "$t/ps.want" | head -4
			[ -n "$file" ] && diff "$file" "$t/ps.wantfile" | head -4
			bad=$((bad + 1))
		elif ! grep -Eiq "^$prog: .*($msg)" "$t/ps.err" &&
		    ! { [ -n "${ALLOC_OTHER:-}" ] && grep -Eq "$ALLOC_OTHER" "$t/ps.err"; }; then
			echo "psweep: malloc #$n: exit $rc without saying memory ran out: $(head -c 300 "$t/ps.err")"
			bad=$((bad + 1))
		elif ! _psweep_file_is "$t/ps.orig" && ! _psweep_file_is "$t/ps.wantfile"; then
			echo "psweep: malloc #$n: exit $rc: $file is neither the old nor the new one"
			bad=$((bad + 1))
		elif [ -n "$file" ] && ls -a "$(dirname "$file")" | grep -qF '.eksl-tmp.'; then
			echo "psweep: malloc #$n: exit $rc: a temporary file is left beside $file"
			bad=$((bad + 1))
		elif ! grep -Eiq "^$prog: .*($msg)" "$t/ps.err"; then
			other=$((other + 1))
		else
			clean=$((clean + 1))
		fi
	done
	echo "psweep: $total allocations, $runs failing runs: $same as normal, $clean clean errors, $other errors of other modules, $bad problems, $known known library crashes"
	[ "$bad" -eq 0 ] && [ "$runs" -gt 0 ]
}

# _psweep_file_is COPY: SWEEP_FILE is byte-identical to COPY, or both are
# absent (true when no SWEEP_FILE is swept).
_psweep_file_is() {
	[ -z "${SWEEP_FILE:-}" ] && return 0
	if [ -e "$1" ]; then
		cmp -s "$1" "$SWEEP_FILE"
	else
		[ ! -e "$SWEEP_FILE" ]
	fi
}

# _psweep_known N SO CMD...: run N's crash has a frame matching ALLOC_KNOWN.
_psweep_known() {
	local n=$1 so=$2
	shift 2
	${PRE:-:}
	gdb -q -batch -ex run -ex bt --args env LD_PRELOAD="$so" \
	    FAILMALLOC_FAIL="$n" "$@" 2>&1 | grep '^#' | grep -Eq "$ALLOC_KNOWN"
}

# plain_build_only: skip the test when the programs are built with ASan.
plain_build_only() {
	if ldd "$EKSL_BIN/eksl-zone" 2>/dev/null | grep -q libasan; then
		skip "allocation sweeps run on the plain build (ASan's allocator cannot sit under failmalloc)"
	fi
}

# Failure sweeps for the programs that write files (issue "Hardening").
# Load after lib/common.
#
#   fault_sweep INPUT TARGET CMD...
#       Run CMD (stdin from INPUT, a file or /dev/null) once with
#       EKSL_FAULT_COUNT to count its write-path calls (open, write, fsync,
#       rename, close, link), then once per call with that call failing
#       (EIO, then ENOSPC for writes).  Before each run TARGET is restored
#       to its original bytes.  Every failing run must exit non-zero with a
#       message naming TARGET's file name, leave TARGET byte-identical to
#       the original or to the successful result, and leave no temporary
#       file beside it.  Prints one line per run; returns 1 on a failure.
#       SWEEP_CMP (default "cmp -s", both sweeps) compares two files:
#       set it for a target that holds a time stamp.
#   kill_sweep RUNS INPUT TARGET CMD...
#       Run CMD RUNS times (the loop is tests/tools/killrun), each killed
#       with SIGKILL after a random delay spread over a whole run; TARGET
#       must always be the original or the result, and after one more
#       normal run no temporary file may remain.

# built_with_asan: true when the programs under test are built with ASan
# (make SAN=1): then LD_PRELOAD shims such as tests/shim/failmalloc
# cannot replace its allocator and ulimit -v is far too small for it.
built_with_asan() {
	ldd "$EKSL_BIN/eksl-zone" 2>/dev/null | grep -q libasan
}

_sweep_restore() {
	# _sweep_restore ORIG TARGET: put the original bytes (or absence) back
	if [ -e "$1" ]; then
		cat "$1" >"$2.sweep-restore" && mv -f "$2.sweep-restore" "$2"
	else
		rm -f "$2"
	fi
}

_sweep_temps() {
	# _sweep_temps DIR: list temporary files eksl left in DIR
	ls -a "$1" | grep -F '.eksl-tmp.' || true
}

fault_sweep() {
	local input=$1 target=$2
	shift 2
	local dir orig want counts op n total rc out fails=0 runs=0 err
	dir=$(dirname "$target")
	orig="$BATS_TEST_TMPDIR/sweep.orig"
	want="$BATS_TEST_TMPDIR/sweep.want"
	counts="$BATS_TEST_TMPDIR/sweep.counts"
	out="$BATS_TEST_TMPDIR/sweep.err"
	rm -f "$orig" "$want" "$counts"
	[ -e "$target" ] && cp -p "$target" "$orig"

	EKSL_FAULT_COUNT=$counts "$@" <"$input" >/dev/null 2>"$out" || {
		echo "sweep: the unfailed run exited $?: $(cat "$out")" >&2
		return 1
	}
	cp "$target" "$want"
	for op in open write fsync rename close link; do
		total=$(grep -cx "$op" "$counts" 2>/dev/null || true)
		for n in $(seq 1 "${total:-0}"); do
			for err in EIO ENOSPC; do
				[ "$err" = ENOSPC ] && [ "$op" != write ] && continue
				_sweep_restore "$orig" "$target"
				runs=$((runs + 1))
				EKSL_FAULT="$op:$n:$err" "$@" <"$input" \
				    >/dev/null 2>"$out"
				rc=$?
				if [ "$rc" -eq 0 ]; then
					echo "sweep: $op #$n ($err): exited 0" >&2
					fails=$((fails + 1))
				elif ! grep -qF "$(basename "$target")" "$out"; then
					echo "sweep: $op #$n ($err): message does not name the file: $(cat "$out")" >&2
					fails=$((fails + 1))
				fi
				if ! { [ -e "$orig" ] && cmp -s "$orig" "$target"; } &&
				    ! { [ ! -e "$orig" ] && [ ! -e "$target" ]; } &&
				    ! ${SWEEP_CMP:-cmp -s} "$want" "$target"; then
					echo "sweep: $op #$n ($err): target torn" >&2
					fails=$((fails + 1))
				fi
				if [ -n "$(_sweep_temps "$dir")" ]; then
					echo "sweep: $op #$n ($err): temporary file left: $(_sweep_temps "$dir")" >&2
					fails=$((fails + 1))
				fi
			done
		done
	done
	_sweep_restore "$orig" "$target"
	echo "fault sweep: $runs failing runs, $fails problems"
	[ "$runs" -gt 0 ] && [ "$fails" -eq 0 ]
}

kill_sweep() {
	local runs=$1 input=$2 target=$3
	shift 3
	local dir orig=- want save line f name fails=0
	local tool=${EKSL_BUILD:-$EKSL_TOP/build/obj}/tools/killrun
	dir=$(dirname "$target")
	want="$BATS_TEST_TMPDIR/kill.want"
	save="$BATS_TEST_TMPDIR/kill.other"
	rm -rf "$want" "$save" "$BATS_TEST_TMPDIR/kill.orig"
	mkdir -p "$save"
	if [ -e "$target" ]; then
		orig="$BATS_TEST_TMPDIR/kill.orig"
		cp -p "$target" "$orig"
	fi
	if [ ! -x "$tool" ]; then
		echo "kill sweep: $tool is not built (make tools)" >&2
		return 1
	fi
	"$@" <"$input" >/dev/null 2>&1 || true
	cp "$target" "$want"
	_sweep_restore "$orig" "$target"
	# KILL_MAX_US (default 0: 1.5 times a timed run) bounds the delays.
	line=$("$tool" "$runs" "${KILL_MAX_US:-0}" "$input" "$target" "$orig" \
	    "$want" "$save" "$@") || fails=$((fails + 1))
	echo "kill sweep: $line"
	# Targets that are neither byte-identical old nor new (a time stamp
	# differs): judged by SWEEP_CMP, each distinct content once.
	for name in $(cd "$save" && md5sum -- other.* 2>/dev/null |
	    sort -u -k1,1 | awk '{ print $2 }'); do
		f=$save/$name
		if ! ${SWEEP_CMP:-cmp -s} "$want" "$f" &&
		    ! { [ "$orig" != - ] && ${SWEEP_CMP:-cmp -s} "$orig" "$f"; }; then
			echo "kill sweep: run ${name#other.}: target torn" >&2
			head -c 300 "$f" >&2
			fails=$((fails + 1))
		fi
	done
	# The next normal run cleans up whatever the killed runs left.
	"$@" <"$input" >/dev/null 2>&1 || true
	if [ -n "$(_sweep_temps "$dir")" ]; then
		echo "kill sweep: temporary files left after a clean run: $(_sweep_temps "$dir")" >&2
		fails=$((fails + 1))
	fi
	_sweep_restore "$orig" "$target"
	echo "kill sweep: $runs runs, $fails problems"
	[ "$fails" -eq 0 ]
}

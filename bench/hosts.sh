#!/bin/sh
# bench/hosts.sh: pin into a 100,000-line hosts file.  eksl-hosts against a
# Python read/replace/tmp+fsync+rename script and sed -i, in one hyperfine
# run, with a plain C rewrite (tmp + fsync + rename + directory fsync) as
# the floor: eksl-hosts should stay within 1.2x of it.  Then show that a
# pin that changes nothing writes nothing.  Every command starts from the
# same file (hyperfine --prepare), with the old block at its end, and
# replaces that block.  The files live on disk (BENCH_DIR, else TMPDIR,
# else /tmp), not on tmpfs, so fsync costs what it costs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
: "${EKSL_BIN:=$top/bin}"
w=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/eksl-bench-hosts.XXXXXX")
trap 'rm -rf "$w"' EXIT INT TERM

cc -O2 -o "$w/floor-bin" "$top/bench/hosts-floor.c"
python3 - "$w/base" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n")
    for i in range(99995):
        f.write("10.%d.%d.%d\thost%d.lan alias%d\n" % (i >> 16, (i >> 8) & 255, i & 255, i, i))
    f.write("# BEGIN eksl host=bench.example\n10.0.0.1\tbench.example\n# END eksl host=bench.example\n")
PY
echo "hosts file: $(wc -l <"$w/base") lines, $(wc -c <"$w/base") bytes"
h=$w/hosts
ip=10.0.0.2
# the interpreter itself, not a version manager's shim in front of it
py=$(python3 -c 'import sys; print(sys.executable)')
hyperfine -N --warmup 3 --runs "${BENCH_RUNS:-30}" --export-json "$w/pin.json" \
    --prepare "cp $w/base $h" \
    -n eksl-hosts "$EKSL_BIN/eksl-hosts pin -q --file $h --host bench.example --ip $ip" \
    -n python "$py $top/bench/hosts-pin.py $h bench.example $ip" \
    -n sed-i "sed -i 's/^10\\.0\\.0\\.1\\tbench\\.example\$/$ip\\tbench.example/' $h" \
    -n c-floor "$w/floor-bin $h bench.example $ip" >"$w/hf.out" 2>&1 ||
    { cat "$w/hf.out"; exit 1; }

# the same bytes from each (the floor is the reference)
for t in eksl python floor sed; do
	cp "$w/base" "$w/$t"
done
"$EKSL_BIN/eksl-hosts" pin -q --file "$w/eksl" --host bench.example --ip $ip >/dev/null
"$py" "$top/bench/hosts-pin.py" "$w/python" bench.example $ip
"$w/floor-bin" "$w/floor" bench.example $ip
sed -i "s/^10\\.0\\.0\\.1\\tbench\\.example\$/$ip\\tbench.example/" "$w/sed"
cmp "$w/eksl" "$w/floor" && cmp "$w/python" "$w/floor" &&
    cmp "$w/sed" "$w/floor" ||
    echo "bench: the commands do not write the same bytes" >&2

for c in eksl-hosts python sed-i c-floor; do
	printf 'median %-12s %9s ms\n' "$c" "$(median_of "$w/pin.json" "$c")"
done
e=$(median_of "$w/pin.json" eksl-hosts)
f=$(median_of "$w/pin.json" c-floor)
p=$(median_of "$w/pin.json" python)
s=$(median_of "$w/pin.json" sed-i)
awk -v e="$e" -v f="$f" -v p="$p" -v s="$s" 'BEGIN {
	r = e / f
	printf "eksl-hosts / c-floor = %.2fx (target <= 1.2x): %s\n", r,
	    r <= 1.2 ? "met" : "NOT MET"
	printf "python / eksl-hosts = %.1fx, sed -i / eksl-hosts = %.1fx\n",
	    p / e, s / e
}'

# nothing changed: no write at all (same inode and mtime, no write call)
cp "$w/eksl" "$h"
before=$(stat -c '%i %y' "$h")
: >"$w/calls"
EKSL_FAULT_COUNT=$w/calls "$EKSL_BIN/eksl-hosts" pin -q --file "$h" \
    --host bench.example --ip $ip >/dev/null
after=$(stat -c '%i %y' "$h")
echo "unchanged pin: $(wc -l <"$w/calls") write calls, inode+mtime $([ "$before" = "$after" ] && echo kept || echo CHANGED)"
hyperfine -N --warmup 3 --runs "${BENCH_RUNS:-30}" --export-json "$w/noop.json" \
    -n eksl-hosts-unchanged "$EKSL_BIN/eksl-hosts pin -q --file $h --host bench.example --ip $ip" \
    >/dev/null 2>&1
printf 'median %-20s %9s ms\n' eksl-hosts-unchanged "$(median_of "$w/noop.json" eksl-hosts-unchanged)"

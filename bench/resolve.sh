#!/bin/sh
# eksl-resolve against its peers: 1000 names (A and AAAA each) from a local
# unbound, in one hyperfine run with
#   - a bare c-ares loop (bench/cares-floor.c): the floor, same 100 in flight
#   - dig -f (one query after another)
#   - a Python asyncio resolver (bench/asyncio-resolver.py)
# Target: eksl-resolve within 1.5x of the bare c-ares loop, 0 lost answers
# (every tool's count is checked before timing).  Run by make bench inside
# a private network namespace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. bench/lib.sh
: "${EKSL_BIN:=$top/bin}"
NS=127.0.0.153
N=1000

d=$(mktemp -d "${TMPDIR:-/tmp}/eksl-bench-resolve.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

i=0
: >"$d/names"
: >"$d/digq"
{
	echo 'local-zone: "bulk.test." static'
	while [ $i -lt $N ]; do
		echo "local-data: \"n$i.bulk.test. 300 IN A 127.1.$((i / 256)).$((i % 256))\""
		echo "n$i.bulk.test" >>"$d/names"
		printf 'n%d.bulk.test A\nn%d.bulk.test AAAA\n' $i $i >>"$d/digq"
		i=$((i + 1))
	done
} >"$d/bulk.conf"
cat >"$d/unbound.conf" <<EOC
server:
	interface: $NS@53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$d"
	pidfile: ""
	use-syslog: no
	logfile: "$d/unbound.log"
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	num-threads: 1
	include: "$d/bulk.conf"
remote-control:
	control-enable: no
EOC
unbound -d -c "$d/unbound.conf" >/dev/null 2>&1 &
pid=$!
i=0
until dig +time=1 +tries=1 @$NS n0.bulk.test A 2>/dev/null | grep -q NOERROR; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "resolve bench: unbound did not start" >&2; exit 1; }
	sleep 0.05
done

# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -o "$d/cares-floor" bench/cares-floor.c \
    $(pkg-config --cflags --libs libcares)

mkdir -p "$d/state"
# names as --host flags: hyperfine 1.15 has no --input, and a shell around
# the command would be timed too
hosts=$(sed 's/^/--host /' "$d/names" | tr '\n' ' ')
EKSL="$EKSL_BIN/eksl-resolve --server $NS --state-dir $d/state $hosts"
FLOOR="$d/cares-floor $NS $d/names"
DIG="dig @$NS +tries=2 +time=2 +noall +answer -f $d/digq"
PY="python3 bench/asyncio-resolver.py $NS $d/names"

# 0 lost answers: every tool must find all N names (this first run also
# fills the state dir, so the timed runs see the steady cron case).
lost=0
check() {
	if [ "$2" != "$N" ]; then
		echo "resolve bench: $1 found $2 of $N names" >&2
		lost=1
	else
		echo "answers $1: $2/$N"
	fi
}
check eksl-resolve "$($EKSL |
    grep -c '"ok":true,"stale":false')"
check cares-floor "$($FLOOR)"
check dig "$($DIG | awk '$4 == "A" {print $1}' | sort -u | wc -l)"
check asyncio "$($PY)"
[ $lost = 0 ] || exit 1

hyperfine --shell=none --warmup 3 --min-runs 15 --export-json "$d/h.json" \
    -n eksl-resolve "$EKSL" \
    -n cares-floor "$FLOOR" -n dig-f "$DIG" -n asyncio "$PY" \
    >"$d/hyperfine.out" 2>&1 || { cat "$d/hyperfine.out" >&2; exit 1; }
report_ratio "$d/h.json" dig-f eksl-resolve 1
report_ratio "$d/h.json" asyncio eksl-resolve 1
# within 1.5x of the floor, said as floor/eksl >= 1/1.5
report_ratio "$d/h.json" cares-floor eksl-resolve 0.667
# CPU time is steadier than wall time on a shared machine: show it too.
python3 - "$d/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("cpu    %-28s %9.3f ms (user+sys, mean)" %
          (r["command"], (r["user"] + r["system"]) * 1000))
PY

#!/bin/sh
# bench/zone.sh: a zone for 10,000 hosts.  eksl-zone reads the 10,000
# cluster records, generates the zone and checks it by reading every
# record back with ldns; named-checkzone alone loads and checks the same
# output.  Target: eksl-zone's generate + check takes no longer than
# named-checkzone alone (ratio named-checkzone / eksl-zone >= 1).  A third
# command, not part of the target, shows the cost of --out, where every
# record is kept, printed and flushed on stdout (jansson round trip).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
: "${EKSL_BIN:=$top/bin}"
w=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/eksl-bench-zone.XXXXXX")
trap 'rm -rf "$w"' EXIT INT TERM
origin=gr7.us-west-2.eks.amazonaws.com

python3 - "$w/in.jsonl" "$origin" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(json.dumps({
            "schema": "eksl.cluster.v1", "name": "c%05d" % i,
            "endpoint": "https://%032X.%s" % (i, sys.argv[2]),
            "addresses": [{"ip": "10.%d.%d.%d" % (i >> 16, (i >> 8) & 255,
                                                   i & 255),
                           "source": "dns", "ttl": 60}],
        }, separators=(",", ":")) + "\n")
PY
zone="$EKSL_BIN/eksl-zone --format zone --origin $origin -q"
$zone <"$w/in.jsonl" >"$w/ref.zone"
named-checkzone -q "$origin" "$w/ref.zone" ||
    { echo "bench: named-checkzone rejects the zone" >&2; exit 1; }
echo "zone: $(grep -c '	IN	A	' "$w/ref.zone") hosts, $(wc -c <"$w/ref.zone") bytes"

hyperfine --warmup 3 --runs "${BENCH_RUNS:-20}" --export-json "$w/zone.json" \
    -n eksl-zone "$zone <$w/in.jsonl >$w/out.zone" \
    -n named-checkzone "named-checkzone -q $origin $w/ref.zone" \
    -n eksl-zone-out "$zone --out $w/file.zone <$w/in.jsonl >/dev/null" \
    >"$w/hf.out" 2>&1 || { cat "$w/hf.out"; exit 1; }
cmp "$w/out.zone" "$w/ref.zone" ||
    echo "bench: eksl-zone wrote different bytes across runs" >&2

printf 'median %-28s %9s ms\n' "eksl-zone --out (records)" \
    "$(median_of "$w/zone.json" eksl-zone-out)"
report_ratio "$w/zone.json" named-checkzone eksl-zone 1

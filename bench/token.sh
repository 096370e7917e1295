#!/bin/sh
# eksl-token against "aws eks get-token" with the same arguments, in one
# hyperfine run (neither needs the network: both only presign), then
# eksl-token's peak RSS.  Targets: >= 100x faster by median, <= 4 MiB.
set -u
top=${EKSL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/bench/lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eksl-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Test credentials only; no shared files.
export HOME="$tmp" AWS_CONFIG_FILE="$tmp/none" \
    AWS_SHARED_CREDENTIALS_FILE="$tmp/none" \
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION \
    AWS_ENDPOINT_URL KUBERNETES_EXEC_INFO

token=$(command -v eksl-token) || { echo "eksl-token not on PATH" >&2; exit 1; }
fast="eksl-token --cluster-name x --region us-west-2"
slow="aws eks get-token --cluster-name x --region us-west-2"
# Both must work before they are timed.
$fast >/dev/null || exit 1
$slow >/dev/null || exit 1

hyperfine -N --style basic --warmup 5 --min-runs 20 \
    --export-json "$tmp/token.json" "$slow" "$fast" >/dev/null || exit 1
report_ratio "$tmp/token.json" "$slow" "$fast" 100

# Peak RSS: the largest of 20 runs, from getrusage via GNU time.
max=0
i=0
while [ $i -lt 20 ]; do
	kb=$(/usr/bin/time -f %M "$token" --cluster-name x --region us-west-2 \
	    2>&1 >/dev/null)
	[ "$kb" -gt "$max" ] && max=$kb
	i=$((i + 1))
done
awk -v kb="$max" 'BEGIN {
	printf("peak RSS eksl-token %d KiB (target <= 4096 KiB): %s\n", kb,
	    kb <= 4096 ? "met" : "NOT MET")
	exit !(kb <= 4096) }'

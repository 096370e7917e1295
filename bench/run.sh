#!/bin/sh
# make bench: run every bench/*.sh (each compares eksl with its peer tool
# in one hyperfine run and prints medians and the ratio).  Benchmarks that
# start servers run inside a private network namespace.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${EKSL_BIN:=$top/bin}"
export EKSL_BIN EKSL_TOP="$top" PATH="$EKSL_BIN:$PATH"
# The benchmarks' servers are on loopback: no proxy of the machine.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY
if [ "${EKSL_SEALED:-}" != 1 ]; then
	exec unshare -n sh -c 'ip link set lo up && ip addr add 192.0.2.1/32 dev lo &&
	    EKSL_SEALED=1 exec sh bench/run.sh "$@"' sh "$@"
fi
rc=0
for b in ${*:-bench/*.sh}; do
	[ "$(basename "$b")" = run.sh ] && continue
	[ "$(basename "$b")" = lib.sh ] && continue
	echo "== $(basename "$b" .sh)"
	sh "$b" || rc=1
done
exit $rc

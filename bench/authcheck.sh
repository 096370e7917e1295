#!/bin/sh
# bench/authcheck.sh: `eksl-authcheck check` over three addresses against
# what an operator would do by hand, three `kubectl get --raw /version`
# calls through the offline (x.509) context, one per control-plane
# address, in one hyperfine run.  Target: >= 5x faster.
#
# Both talk to the same Kubernetes API stand-in (tests/k8s_standin.py) on
# 127.0.0.11-13; kubectl finds the endpoint name through a hosts file bind
# mounted over /etc/hosts in a private mount namespace (as root), the
# real one is never touched.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
: "${EKSL_BIN:=$top/bin}"
: "${KUBECTL:=/usr/lib/google-cloud-sdk/bin/kubectl.1.32}"
w=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/eksl-bench-authcheck.XXXXXX")
export EKSL_BIN KUBECTL EKSL_TOP="$top" BENCH_W="$w"
trap '[ -n "${BENCH_KEEP:-}" ] || rm -rf "$w"' EXIT INT TERM

# The stand-in helpers are bash; the rest runs there, in its own mount
# namespace.
unshare -m bash -s <<'EOF'
set -eu
w=$BENCH_W
export HOME="$w/home" BATS_TEST_TMPDIR="$w" PATH="$EKSL_BIN:$PATH"
mkdir -p "$HOME"
. "$EKSL_TOP/tests/lib/k8s.bash"
. "$EKSL_TOP/bench/lib.sh"
trap k8s_stop EXIT
k8s_start
k8s_client_cert "$K8S_DIR" admin eksl-offline-admin system:masters
k8s_record | jq -c --arg d "$K8S_DIR" '.auth = {user: "eksl-offline-admin",
    key: ($d + "/admin.key"), cert: ($d + "/admin.crt")}' >"$w/rec.json"
k8s_hosts_file "$w/hosts"
mount --bind "$w/hosts" /etc/hosts
if [ -x "$EKSL_BIN/eksl-kubeconfig" ]; then
	eksl-kubeconfig --kubeconfig "$w/kubeconfig" --offline \
	    <"$w/rec.json" >"$w/rec2.json"
	ctx=$(jq -r .kubeconfig.offlineContext "$w/rec2.json")
else
	k8s_kubeconfig_x509 "$w/kubeconfig" "$K8S_DIR/admin.crt" \
	    "$K8S_DIR/admin.key"
	ctx=standin
fi
# Both must work before they are timed.
eksl-authcheck -q check <"$w/rec.json" >/dev/null
"$KUBECTL" --kubeconfig "$w/kubeconfig" --context "$ctx" \
    --cache-dir "$w/kcache" get --raw /version >/dev/null

kubectl3="for i in 1 2 3; do $KUBECTL --kubeconfig $w/kubeconfig --context $ctx --cache-dir $w/kcache get --raw /version >/dev/null; done"
check="eksl-authcheck -q check <$w/rec.json >/dev/null"
hyperfine -N --warmup 2 --runs "${BENCH_RUNS:-15}" --export-json "$w/h.json" \
    -n kubectl-x3 "sh -c '$kubectl3'" \
    -n eksl-authcheck-check "sh -c '$check'" >/dev/null
report_ratio "$w/h.json" kubectl-x3 eksl-authcheck-check 5
EOF

#!/usr/bin/env bash
# make demo: the outage drill on local stand-ins of the cloud.
#
# Inside a private network and mount namespace, in a temporary directory:
# the moto wrapper plays the Region (EKS, EC2, IAM, STS), unbound plays
# Route 53, the Kubernetes API stand-in plays the control plane on the
# Outpost's three static addresses (127.0.0.11-13), and nsd plays the
# on-prem DNS server.  The whole workflow runs, then the Region is cut and
# kubectl keeps working.  The real /etc/hosts, /etc/resolv.conf, ~/.kube
# and ~/.aws are never touched: the namespace gets its own copies.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${EKSL_DEMO_SEALED:-}" != 1 ]; then
	exec unshare -n -m bash -c 'mount --make-rprivate / &&
	    ip link set lo up && ip addr add 192.0.2.1/32 dev lo &&
	    EKSL_DEMO_SEALED=1 exec bash "$0"' "$top/tests/demo.sh"
fi
cd "$top" || exit 1
: "${EKSL_BIN:=$top/bin}"
export EKSL_TOP=$top PATH="$EKSL_BIN:$PATH"
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32

W=$(mktemp -d "${TMPDIR:-/tmp}/eksl-demo.XXXXXX")
export BATS_TEST_TMPDIR=$W BATS_FILE_TMPDIR=$W
export HOME=$W/home XDG_STATE_HOME=$W/home/.local/state
export AWS_CONFIG_FILE=$W/home/.aws/config
export AWS_SHARED_CREDENTIALS_FILE=$W/home/.aws/credentials
unset AWS_PROFILE KUBECONFIG
mkdir -p "$HOME" "$W/state" "$W/route53" "$W/onprem"

. tests/lib/moto.bash
. tests/lib/k8s.bash

PIDS=
cleanup() {
	k8s_stop >/dev/null 2>&1
	moto_stop >/dev/null 2>&1
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then B=$(printf '\033[1m') N=$(printf '\033[0m'); else B= N=; fi
n=0
step() { n=$((n + 1)); printf '%s%2d. %s%s\n' "$B" "$n" "$*" "$N"; }
say() { printf '    %s\n' "$*"; }
fail() {
	printf '%sdemo FAILED: %s%s\n' "$B" "$*" "$N" >&2
	for f in "$W"/*.err; do
		[ -s "$f" ] && sed 's/^/    | /' "$f" >&2
	done
	exit 1
}

wait_dns() {	# wait_dns ADDR NAME: until the server at ADDR answers NAME
	local i
	for i in $(seq 100); do
		dig +time=1 +tries=1 @"$1" "$2" A >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# ---- the stand-ins ----------------------------------------------------------

step "The Region comes up: moto plays EKS, EC2, IAM and STS"
moto_start || fail "moto did not start"
moto_env
bench() { moto_bench POST "$@"; }
net=$(bench network '{"dnsHostnames": true}') || fail "no VPC"
VPC=$(jq -r .vpc <<<"$net")
SUBNET=$(jq -r .subnet <<<"$net")
OUTPOST=arn:aws:outposts:us-west-2:111122223333:outpost/op-0123456789abcdef0
moto_outpost "$(printf '{"outpostId": "op-0123456789abcdef0", "outpostArn": "%s", "onOutpost": ["%s"], "types": ["m5d.large"], "placementGroups": []}' \
    "$OUTPOST" "$SUBNET")" || fail "cannot set the Outpost"
bench instances "{\"name\": \"my-cluster\", \"subnet\": \"$SUBNET\",
    \"ips\": [\"127.0.0.11\", \"127.0.0.12\", \"127.0.0.13\"]}" >/dev/null ||
    fail "no control-plane instances"
say "VPC $VPC, Outpost subnet $SUBNET, control plane on 127.0.0.11-13"

step "The Outpost comes up: the Kubernetes API on 127.0.0.11, .12 and .13, port 443"
export K8S_PORT=443 K8S_NAME=my-cluster
export K8S_CREATOR_ARN=arn:aws:sts::123456789012:user/moto
k8s_start || fail "the API stand-in did not start"
say "endpoint https://$K8S_HOST (cluster id $K8S_CLUSTER_ID)"
# moto returns neither a real CA nor the id of a local cluster: the
# wrapper answers DescribeCluster with what EKS would say.
cluster() {
	jq -nc --arg status "$1" --argjson issues "$2" --arg id "$K8S_CLUSTER_ID" \
	    --arg ep "https://$K8S_HOST" --arg ca "$K8S_CA_B64" --arg op "$OUTPOST" '{
	    name: "my-cluster", id: $id, status: $status, version: "1.30",
	    arn: "arn:aws:eks:us-west-2:123456789012:cluster/my-cluster",
	    endpoint: $ep, certificateAuthority: {data: $ca},
	    outpostConfig: {outpostArns: [$op], controlPlaneInstanceType: "m5d.large"},
	    resourcesVpcConfig: {endpointPrivateAccess: true, endpointPublicAccess: false},
	    health: {issues: $issues}}'
}
issue='[{"code": "ClusterUnreachable", "message": "the control plane instances cannot reach the Region yet", "resourceIds": ["i-0"]}]'
moto_canned my-cluster "{\"sequence\": [$(cluster CREATING '[]'), $(cluster CREATING "$issue"), $(cluster ACTIVE '[]')]}" ||
    fail "cannot set the DescribeCluster answers"

step "Route 53 comes up: unbound answers the endpoint name"
cat >"$W/route53/unbound.conf" <<EOF
server:
	interface: 127.0.0.2@53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$W/route53"
	pidfile: ""
	use-syslog: no
	logfile: "$W/route53/unbound.log"
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "$K8S_HOST." static
	local-data: "$K8S_HOST. 60 IN A 127.0.0.11"
	local-data: "$K8S_HOST. 60 IN A 127.0.0.12"
	local-data: "$K8S_HOST. 60 IN A 127.0.0.13"
remote-control:
	control-enable: no
EOF
unbound -d -c "$W/route53/unbound.conf" >/dev/null 2>&1 &
R53=$!
PIDS="$PIDS $R53"
wait_dns 127.0.0.2 "$K8S_HOST" || fail "unbound did not start"
# This machine's resolver and hosts file, in this namespace only.
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf || fail "cannot mount resolv.conf"
cp /etc/hosts "$W/hosts"
mount --bind "$W/hosts" /etc/hosts || fail "cannot mount /etc/hosts"
say "the machine's resolver asks 127.0.0.2; /etc/hosts is a private copy"

# ---- the workflow -------------------------------------------------------------

step "Prepare, while the Region answers: provision | kubeconfig | resolve | hosts | zone | authcheck | kubeconfig --offline"
sed -e "s/vpc-0a1b2c3d4e5f60718/$VPC/" -e "s/subnet-0a1b2c3d4e5f60718/$SUBNET/" \
    examples/outpost-control-plane.yaml >"$W/outpost-control-plane.yaml"
REC=$W/state/my-cluster.json
export EKSL_POLL_MS=200
eksl-provision create -f "$W/outpost-control-plane.yaml" 2>"$W/provision.err" |
    eksl-kubeconfig 2>"$W/kubeconfig.err" |
    eksl-resolve --state-dir "$W/state" 2>"$W/resolve.err" |
    eksl-hosts pin 2>"$W/hosts.err" |
    eksl-zone --format zone --out "$W/onprem/endpoint.zone" 2>"$W/zone.err" |
    eksl-authcheck prepare --dir "$HOME/.eksl/my-cluster" 2>"$W/authcheck.err" |
    eksl-kubeconfig --offline 2>"$W/offline.err" >"$REC"
st=("${PIPESTATUS[@]}")
sed 's/^/    | /' "$W/provision.err"
[ "${st[*]}" = "0 0 0 0 0 0 0" ] || fail "the pipeline exited ${st[*]}"
rm -f "$W"/*.err
say "record:      $(jq -c '{name, id, status, host, addresses: [.addresses[].ip]}' "$REC")"
say "/etc/hosts:  $(grep -ci "$K8S_HOST" /etc/hosts) lines pin $(jq -r .host "$REC")"
say "zone:        $(jq -r '.zone.file + " serial " + (.zone.serial|tostring)' "$REC")"
say "credentials: $(jq -r '.auth.user + ", certificate until " + .auth.notAfter' "$REC")"
say "kubeconfig:  contexts $(jq -r '.kubeconfig.context + " and " + .kubeconfig.offlineContext' "$REC")"
CTX=$(jq -r .kubeconfig.context "$REC")
OFF=$(jq -r .kubeconfig.offlineContext "$REC")

step "The on-prem DNS server (nsd) serves the zone eksl-zone wrote"
cat >"$W/onprem/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.3@53
	zonesdir: "$W/onprem"
	pidfile: "$W/onprem/nsd.pid"
	username: ""
	database: ""
	logfile: "$W/onprem/nsd.log"
	xfrdfile: "$W/onprem/xfrd.state"
	zonelistfile: "$W/onprem/zone.list"
	chroot: ""
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "$K8S_HOST"
	zonefile: "$W/onprem/endpoint.zone"
EOF
nsd -d -c "$W/onprem/nsd.conf" >"$W/onprem/nsd.out" 2>&1 &
PIDS="$PIDS $!"
wait_dns 127.0.0.3 "$K8S_HOST" || fail "nsd did not start"
say "dig @127.0.0.3: $(dig +short @127.0.0.3 "$K8S_HOST" A | sort | tr '\n' ' ')"

step "Online: kubectl through the exec plugin (eksl-token, redeemed at STS)"
kc() { "$KUBECTL" --cache-dir "$W/kcache" --request-timeout 5s "$@"; }
kc --context "$CTX" get --raw /version >"$W/kubectl.out" 2>"$W/kubectl.err" ||
    fail "kubectl online: $(cat "$W/kubectl.err")"
say "kubectl --context $CTX get --raw /version: $(jq -r .gitVersion "$W/kubectl.out")"

# ---- the outage ---------------------------------------------------------------

step "CUT: the link to the Region goes down (moto and Route 53 stop)"
moto_stop
kill "$R53" 2>/dev/null
wait "$R53" 2>/dev/null
hosts_before=$(stat -c '%i %Y' /etc/hosts; sha256sum </etc/hosts)
zone_before=$(stat -c '%i %Y' "$W/onprem/endpoint.zone"; sha256sum <"$W/onprem/endpoint.zone")
sleep 1	# so that a rewrite would show in the mtime

step "The cron refresh runs during the outage"
cat >"$W/refresh.conf" <<EOF
CLUSTERS="my-cluster"
STATE_DIR="$W/state"
DESCRIBE_TIMEOUT=30
HOSTS_FILE=/etc/hosts
ZONE_FORMAT=zone
ZONE_OUT="$W/onprem/endpoint.zone"
ZONE_RELOAD="kill -HUP \$(cat $W/onprem/nsd.pid)"
CHECK=1
EOF
start=$(date +%s%N)
EKSL_REFRESH_CONF=$W/refresh.conf sh contrib/cron/eksl-refresh 2>"$W/refresh.err"
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
say "eksl-refresh exited $st (1 = degraded: working from the saved record) in ${ms} ms"
[ "$st" -le 1 ] || fail "the refresh exited $st"
[ "$(stat -c '%i %Y' /etc/hosts; sha256sum </etc/hosts)" = "$hosts_before" ] ||
    fail "the refresh changed /etc/hosts during the outage"
[ "$(stat -c '%i %Y' "$W/onprem/endpoint.zone"; sha256sum <"$W/onprem/endpoint.zone")" = "$zone_before" ] ||
    fail "the refresh changed the zone during the outage"
say "/etc/hosts and the zone: not a byte changed, not rewritten"

step "Online context: fails cleanly, as IAM is gone"
if kc --context "$CTX" get --raw /version >/dev/null 2>"$W/online.err"; then
	fail "the online context still works with the Region cut"
fi
say "kubectl --context $CTX: $(tail -n 1 "$W/online.err" | cut -c1-100)"
rm -f "$W"/*.err

step "Offline context: kubectl keeps working through the x.509 certificate"
ok=0
for i in $(seq 10); do
	kc --context "$OFF" get --raw /api/v1/namespaces/default/services/kubernetes \
	    >/dev/null 2>"$W/offline.err" && ok=$((ok + 1))
done
[ "$ok" = 10 ] || fail "offline kubectl: $ok of 10 calls worked"
say "kubectl --context $OFF get svc kubernetes: 10 of 10 calls answered"
rm -f "$W"/*.err

step "Readiness check (eksl-authcheck check) with the Region cut"
eksl-authcheck check <"$REC" >"$W/check.json" 2>"$W/check.txt"
st=$?
sed 's/^/    | /' "$W/check.txt"
[ "$st" = 0 ] || fail "eksl-authcheck check exited $st"

step "An on-prem client still resolves the endpoint through nsd"
got=$(dig +short @127.0.0.3 "$K8S_HOST" A | sort | tr '\n' ' ')
[ "$got" = "127.0.0.11 127.0.0.12 127.0.0.13 " ] || fail "nsd answered: $got"
say "dig @127.0.0.3 $K8S_HOST: $got"

echo
printf '%sWhat survived the cut of the Region:%s\n' "$B" "$N"
say "name resolution: /etc/hosts pin and the on-prem zone, unchanged by the outage refresh"
say "authentication:  the offline x.509 context ($(jq -r .auth.user "$REC"))"
say "kubectl:         10 of 10 calls through $OFF; the token context fails as IAM is gone"
say "readiness:       eksl-authcheck check says ready"
echo "demo: ok"

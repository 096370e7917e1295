#!/usr/bin/env bats
# The outage drill with real network namespaces: "cloud" (the moto wrapper
# as EKS, EC2, IAM and STS; unbound as Route 53), "outpost" (the API
# stand-in on the control plane's three static addresses; nsd as the
# on-prem DNS server) and "operator" (runs the programs and kubectl),
# joined by veth pairs inside the private namespace tests/run.sh makes.
# The whole workflow runs, the link to the cloud is cut, kubectl keeps
# working, then the link comes back.  The tests run in order and share
# the state set up by setup_file.

load ../lib/common
load ../lib/moto
load ../lib/k8s
load netns

setup_file() {
	export E2E=$BATS_FILE_TMPDIR
	local py out net
	if ! out=$(unshare -n ip link add e2e-try type veth peer name e2e-try1 2>&1); then
		skip "network namespaces or veth pairs not permitted here: $out"
	fi
	mkdir -p "$E2E/state" "$E2E/onprem" "$E2E/route53" "$E2E/home" \
	    "$E2E/shim"
	py=$(python3 -c 'import sys; print(sys.executable)')
	e2e_ns_new E2E_CLOUD && e2e_ns_new E2E_OUTPOST &&
	    e2e_ns_new E2E_OP mount || { echo "cannot make namespaces" >&2; return 1; }
	e2e_net_up || { echo "cannot wire the namespaces" >&2; return 1; }

	# The operator's own /etc/hosts and /etc/resolv.conf (Route 53 is the
	# cloud's DNS server).
	printf '127.0.0.1\tlocalhost\n' >"$E2E/hosts"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$E2E_CLOUD_IP" \
	    >"$E2E/resolv.conf"
	op mount --bind "$E2E/hosts" /etc/hosts &&
	    op mount --bind "$E2E/resolv.conf" /etc/resolv.conf ||
	    { echo "cannot mount the operator's files" >&2; return 1; }
	# The cron refresh logs through logger: keep that in the test.
	printf '#!/bin/sh\n# logger -t TAG -p PRIO -- MSG\necho "$4 $2: $6" >>"%s/syslog"\n' \
	    "$E2E" >"$E2E/shim/logger"
	chmod +x "$E2E/shim/logger"

	# ---- the cloud: moto (with the Outposts API) boots while the rest is
	# set up (the cloud's namespace is fresh, so moto's port is fixed) ----
	export E2E_MOTO_PORT=4566
	export MOTO_URL="http://$E2E_CLOUD_IP:$E2E_MOTO_PORT"
	e2e_bg moto "$E2E_CLOUD" env MOTO_IAM_LOAD_MANAGED_POLICIES=true \
	    EKSL_MOTO_QUIET=1 "$py" "$EKSL_TOP/tests/moto_wrapper.py" \
	    --port "$E2E_MOTO_PORT" --port-file "$E2E/moto.port" --parent $$

	# ---- the outpost: the stand-in runs in its namespace ----
	printf '#!/bin/sh\nexec nsenter -t %s -n -- %s "$@"\n' "$E2E_OUTPOST" \
	    "$py" >"$E2E/py-outpost"
	chmod +x "$E2E/py-outpost"
	export K8S_PYTHON=$E2E/py-outpost K8S_DIR=$E2E/k8s K8S_PORT=443
	export K8S_NAME=my-cluster K8S_ADDRS=$E2E_CP_IPS K8S_VERBOSE=1
	export K8S_CREATOR_ARN=arn:aws:sts::123456789012:user/moto
	k8s_start 3>&- || return 1
	e2e_track "$K8S_PID"

	e2e_bg fwd "$E2E_CLOUD" "$py" "$EKSL_TOP/tests/e2e/tcpfwd.py" \
	    "$E2E_CLOUD_IP" 127.0.0.1 "$E2E/fwd.ready" "$E2E_MOTO_PORT"
	e2e_wait_file "$E2E/fwd.ready" || { cat "$E2E/fwd.log" >&2; return 1; }
	e2e_wait_file "$E2E/moto.port" || { cat "$E2E/moto.log" >&2; return 1; }
	for _ in $(seq 600); do
		op curl -sf --noproxy '*' -o /dev/null "$MOTO_URL/_eksl/ready" &&
		    break
		sleep 0.05
	done
	e2e_env
	net=$(bench network '{"cidr": "203.0.113.0/24", "dnsHostnames": true}') ||
	    { echo "no VPC: $net" >&2; return 1; }
	E2E_VPC=$(jq -r .vpc <<<"$net")
	E2E_SUBNET=$(jq -r .subnet <<<"$net")
	export E2E_VPC E2E_SUBNET
	export E2E_OUTPOST_ARN=arn:aws:outposts:us-west-2:111122223333:outpost/op-0123456789abcdef0
	op curl -sS --fail-with-body --noproxy '*' -X POST \
	    -H 'Content-Type: application/json' --data-binary "$(printf '{"outpostId": "op-0123456789abcdef0", "outpostArn": "%s", "onOutpost": ["%s"], "types": ["m5d.large"], "placementGroups": []}' \
	    "$E2E_OUTPOST_ARN" "$E2E_SUBNET")" "$MOTO_URL/_eksl/outpost" >/dev/null ||
	    { echo "cannot set the Outpost" >&2; return 1; }
	bench instances "{\"name\": \"my-cluster\", \"subnet\": \"$E2E_SUBNET\",
	    \"ips\": [\"203.0.113.11\", \"203.0.113.12\", \"203.0.113.13\"]}" \
	    >/dev/null || { echo "no control-plane instances" >&2; return 1; }
	moto_canned my-cluster "{\"sequence\": [$(cluster CREATING), $(cluster ACTIVE)]}" ||
	    { echo "cannot set the DescribeCluster answers" >&2; return 1; }

	# ---- Route 53 in the cloud ----
	cat >"$E2E/route53/unbound.conf" <<EOC
server:
	interface: $E2E_CLOUD_IP@53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$E2E/route53"
	pidfile: ""
	use-syslog: no
	logfile: "$E2E/route53/unbound.log"
	access-control: 0.0.0.0/0 allow
	module-config: "iterator"
	local-zone: "$K8S_HOST." static
	local-data: "$K8S_HOST. 60 IN A 203.0.113.11"
	local-data: "$K8S_HOST. 60 IN A 203.0.113.12"
	local-data: "$K8S_HOST. 60 IN A 203.0.113.13"
remote-control:
	control-enable: no
EOC
	e2e_bg unbound "$E2E_CLOUD" unbound -d -c "$E2E/route53/unbound.conf"
	e2e_wait_dns "$E2E_OP" "$E2E_CLOUD_IP" "$K8S_HOST" ||
	    { echo "unbound did not answer" >&2; return 1; }

	cat >"$E2E/refresh.conf" <<EOC
CLUSTERS="my-cluster"
STATE_DIR="$E2E/state"
DESCRIBE_TIMEOUT=30
HOSTS_FILE=/etc/hosts
ZONE_FORMAT=zone
ZONE_OUT="$E2E/onprem/endpoint.zone"
ZONE_RELOAD="kill -HUP \\\$(cat $E2E/onprem/nsd.pid)"
CHECK=1
EOC
}

teardown_file() {
	e2e_cleanup
}

# What every test needs again (lib/common resets HOME and AWS_* per test).
e2e_env() {
	export HOME=$E2E/home XDG_STATE_HOME=$E2E/home/.local/state
	export AWS_CONFIG_FILE=$HOME/.aws/config
	export AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials
	moto_env
	export REC=$E2E/state/my-cluster.json EKSL_POLL_MS=200
}

setup() {
	e2e_env
}

bench() {
	op curl -sS --fail-with-body --noproxy '*' -X POST \
	    -H 'Content-Type: application/json' --data-binary "$2" \
	    "$MOTO_URL/_eksl/bench/$1"
}

# moto returns neither a real CA nor the id of a local cluster: the wrapper
# answers DescribeCluster with what EKS would say.
cluster() {
	jq -nc --arg status "$1" --arg id "$K8S_CLUSTER_ID" \
	    --arg ep "https://$K8S_HOST" --arg ca "$K8S_CA_B64" \
	    --arg op "$E2E_OUTPOST_ARN" '{
	    name: "my-cluster", id: $id, status: $status, version: "1.30",
	    arn: "arn:aws:eks:us-west-2:123456789012:cluster/my-cluster",
	    endpoint: $ep, certificateAuthority: {data: $ca},
	    outpostConfig: {outpostArns: [$op], controlPlaneInstanceType: "m5d.large"},
	    resourcesVpcConfig: {endpointPrivateAccess: true, endpointPublicAccess: false},
	    health: {issues: []}}'
}

kc() {
	op "$KUBECTL" --cache-dir "$E2E/kcache" --request-timeout 10s "$@"
}

refresh() {
	op env PATH="$E2E/shim:$PATH" EKSL_REFRESH_CONF="$E2E/refresh.conf" \
	    sh "$EKSL_TOP/contrib/cron/eksl-refresh"
}

fingerprint() {	# inode, mtime (ns), sha256 of a file
	stat -c '%i %.9Y' "$1" && sha256sum <"$1"
}

# pinned: the addresses the operator's hosts file gives the endpoint
pinned() {
	awk -v h="${K8S_HOST,,}" 'tolower($2) == h { print $1 }' "$E2E/hosts" |
	    sort | tr '\n' ' '
}

# served ADDR: API requests the stand-in logged on ADDR
served() {
	grep -c "^standin $1: \"GET /api/v1/namespaces/default/services/kubernetes" \
	    "$K8S_DIR/standin.log"
}

@test "drill: the pipeline prepares the outage path while the cloud answers" {
	sed -e "s/vpc-0a1b2c3d4e5f60718/$E2E_VPC/" \
	    -e "s/subnet-0a1b2c3d4e5f60718/$E2E_SUBNET/" \
	    "$EKSL_TOP/examples/outpost-control-plane.yaml" >"$E2E/cp.yaml"
	run --separate-stderr op bash -c '
	    eksl-provision create -f "$1/cp.yaml" 2>"$1/provision.err" |
	    eksl-kubeconfig 2>"$1/kubeconfig.err" |
	    eksl-resolve --server "$2" --state-dir "$1/state" 2>"$1/resolve.err" |
	    eksl-hosts pin 2>"$1/hosts.err" |
	    eksl-zone --format zone --out "$1/onprem/endpoint.zone" 2>"$1/zone.err" |
	    eksl-authcheck prepare --dir "$HOME/.eksl/my-cluster" 2>"$1/authcheck.err" |
	    eksl-kubeconfig --offline 2>"$1/offline.err" >"$1/state/my-cluster.json"
	    echo "${PIPESTATUS[*]}"' sh "$E2E" "$E2E_CLOUD_IP"
	[ "$output" = "0 0 0 0 0 0 0" ] || cat "$E2E"/*.err
	assert_success
	assert_output "0 0 0 0 0 0 0"
	cp "$REC" "$E2E/prepared.json"
	run jq -c '{name, status, host, ips: [.addresses[].ip] | sort}' "$REC"
	assert_output "{\"name\":\"my-cluster\",\"status\":\"ACTIVE\",\"host\":\"${K8S_HOST,,}\",\"ips\":[\"203.0.113.11\",\"203.0.113.12\",\"203.0.113.13\"]}"
	# the operator's /etc/hosts (our file) pins the three addresses
	run op grep -Fi "$K8S_HOST" /etc/hosts
	assert_success
	run pinned
	assert_output "203.0.113.11 203.0.113.12 203.0.113.13 "
	run grep -cE "IN[[:space:]]+A[[:space:]]+203\.0\.113\.1[123]" "$E2E/onprem/endpoint.zone"
	assert_output 3
	run jq -r '[.auth.user, .kubeconfig.context != .kubeconfig.offlineContext] | @tsv' "$REC"
	assert_success
	assert_output --regexp $'^[^\t]+\ttrue$'
}

@test "drill: the on-prem DNS server serves the zone eksl-zone wrote" {
	cat >"$E2E/onprem/nsd.conf" <<EOC
server:
	ip-address: $E2E_ONPREM_DNS@53
	zonesdir: "$E2E/onprem"
	pidfile: "$E2E/onprem/nsd.pid"
	username: ""
	database: ""
	logfile: "$E2E/onprem/nsd.log"
	xfrdfile: "$E2E/onprem/xfrd.state"
	zonelistfile: "$E2E/onprem/zone.list"
	chroot: ""
	server-count: 1
remote-control:
	control-enable: no
zone:
	name: "$K8S_HOST"
	zonefile: "$E2E/onprem/endpoint.zone"
EOC
	e2e_bg nsd "$E2E_OUTPOST" nsd -d -c "$E2E/onprem/nsd.conf"
	run e2e_wait_dns "$E2E_OP" "$E2E_ONPREM_DNS" "$K8S_HOST"
	assert_success
	run bash -c "nsenter -t $E2E_OP -n dig +short @$E2E_ONPREM_DNS $K8S_HOST A | sort | tr '\n' ' '"
	assert_output "203.0.113.11 203.0.113.12 203.0.113.13 "
}

@test "drill: online kubectl (token redeemed at the cloud's STS) and a cron refresh" {
	CTX=$(jq -r .kubeconfig.context "$REC")
	run --separate-stderr kc --context "$CTX" get --raw /version
	assert_success
	run jq -r .gitVersion <<<"$output"
	assert_output --regexp '^v1\.'
	fingerprint "$E2E/hosts" >"$E2E/hosts.before"
	fingerprint "$E2E/onprem/endpoint.zone" >"$E2E/zone.before"
	sleep 1	# so that a rewrite would show in the mtime
	run --separate-stderr refresh
	[ "$status" = 0 ] || cat "$E2E/syslog" 2>/dev/null
	# the same answers: not a byte rewritten
	assert_equal "$(fingerprint "$E2E/hosts")" "$(cat "$E2E/hosts.before")"
	assert_equal "$(fingerprint "$E2E/onprem/endpoint.zone")" "$(cat "$E2E/zone.before")"
	run pinned
	assert_output "203.0.113.11 203.0.113.12 203.0.113.13 "
	# the refreshed record keeps what the pipeline added to it (auth,
	# kubeconfig), or eksl-authcheck check in the refresh has nothing to
	# check
	run jq -c '[.status, (.auth.user != null), .kubeconfig.offlineContext]' "$REC"
	assert_output "$(jq -c '[.status, (.auth.user != null), .kubeconfig.offlineContext]' "$E2E/prepared.json")"
	run --separate-stderr refresh
	assert_success
	assert_output ""
}

@test "drill: CUT the cloud link; the cron refresh changes no byte" {
	# The outage starts from the prepared record, even if the refresh
	# before lost part of it (that test says so).
	if [ "$(jq -r '.auth.user // empty' "$REC")" = "" ]; then
		echo "# the saved record lost auth; starting from the prepared one" >&3
		cp "$E2E/prepared.json" "$REC"
	fi
	run e2e_link down
	assert_success
	run --separate-stderr op curl -sS --max-time 5 --noproxy '*' "$MOTO_URL/_eksl/ready"
	assert_failure 7
	assert_output ""
	assert_equal "$stderr" "curl: (7) Failed to connect to $E2E_CLOUD_IP port $E2E_MOTO_PORT after 0 ms: Couldn't connect to server"
	fingerprint "$E2E/hosts" >"$E2E/hosts.before"
	fingerprint "$E2E/onprem/endpoint.zone" >"$E2E/zone.before"
	rm -f "$E2E/syslog"
	sleep 1	# so that a rewrite would show in the mtime
	start=$(date +%s)
	run --separate-stderr refresh
	took=$(($(date +%s) - start))
	echo "refresh exited $status in ${took}s; syslog:"; cat "$E2E/syslog"
	assert_equal "$status" 1
	assert_output ""
	[ "$took" -lt 30 ]
	run grep -F "warning eksl-refresh: my-cluster: describe failed" "$E2E/syslog"
	assert_success
	assert_output --partial "working from the saved record"
	assert_equal "$(fingerprint "$E2E/hosts")" "$(cat "$E2E/hosts.before")"
	assert_equal "$(fingerprint "$E2E/onprem/endpoint.zone")" "$(cat "$E2E/zone.before")"
	run jq -c '[.addresses[].ip] | sort' "$REC"
	assert_output '["203.0.113.11","203.0.113.12","203.0.113.13"]'
}

@test "drill: during the outage the online (token) context fails cleanly" {
	CTX=$(jq -r .kubeconfig.context "$REC")
	start=$(date +%s)
	run --separate-stderr kc --context "$CTX" get --raw /version
	[ $(($(date +%s) - start)) -lt 15 ]
	assert_failure 1
	assert_output ""
	assert_equal "${stderr_lines[${#stderr_lines[@]}-1]}" \
	    "error: You must be logged in to the server (Unauthorized)"
}

@test "drill: during the outage eksl-authcheck check says ready" {
	run --separate-stderr op eksl-authcheck check <"$REC"
	assert_success
	assert_equal "${stderr_lines[${#stderr_lines[@]}-1]}" "eksl-authcheck: my-cluster: ready"
	run jq -c '[.auth.check.ready, [.auth.check.addresses[] | select(.tcp and .tls) | .ip]]' <<<"$output"
	assert_output '[true,["203.0.113.11","203.0.113.12","203.0.113.13"]]'
}

@test "drill: 50 of 50 offline kubectl calls answer; one address stops midway" {
	OFF=$(jq -r .kubeconfig.offlineContext "$REC")
	# what the addresses served before (eksl-authcheck check asked too)
	for a in $E2E_CP_IPS; do
		eval "was_${a//./_}=$(served "$a")"
	done
	ok=0
	for i in $(seq 50); do
		if [ "$i" = 26 ]; then
			# stop the address that has served so far
			first=
			for a in $E2E_CP_IPS; do
				w=was_${a//./_}
				[ "$(served "$a")" -gt "${!w}" ] && first=$a &&
				    break
			done
			[ -n "$first" ]
			echo "$first" >"$E2E/stopped"
			k8s_stop_addr "$first"
			before=$(served "$first")
		fi
		out=$(kc --context "$OFF" get --raw \
		    /api/v1/namespaces/default/services/kubernetes 2>&1) &&
		    [ "$(jq -r .metadata.name <<<"$out")" = kubernetes ] &&
		    ok=$((ok + 1))
	done
	assert_equal "$ok" 50
	n=0 total=0
	for a in $E2E_CP_IPS; do
		w=was_${a//./_}
		c=$(($(served "$a") - ${!w}))
		echo "$a served $c"
		total=$((total + c))
		[ "$c" -gt 0 ] && n=$((n + 1))
	done
	assert_equal "$total" 50
	[ "$n" -ge 2 ]
	# not one call reached the stopped address after it stopped
	assert_equal "$(served "$first")" "$before"
	run k8s_state
	assert_success
	run jq -c .running <<<"$output"
	refute_output --partial "\"$first\""
}

@test "drill: eksl-authcheck check names the stopped address, then is ready again" {
	stopped=$(cat "$E2E/stopped")
	run --separate-stderr op eksl-authcheck check <"$REC"
	assert_failure 1
	printf '%s\n' "$stderr"
	run grep -c FAILED <<<"$stderr"
	assert_output 1
	run grep -F "FAILED" <<<"$stderr"
	assert_output --partial "eksl-authcheck: my-cluster: $stopped: FAILED: "
	run grep -F "degraded" <<<"$stderr"
	assert_success
	k8s_start_addr "$stopped"
	run --separate-stderr op eksl-authcheck check <"$REC"
	assert_success
	assert_equal "${stderr_lines[${#stderr_lines[@]}-1]}" "eksl-authcheck: my-cluster: ready"
}

@test "drill: during the outage an on-prem client resolves through nsd" {
	run bash -c "nsenter -t $E2E_OP -n dig +short @$E2E_ONPREM_DNS $K8S_HOST A | sort | tr '\n' ' '"
	assert_output "203.0.113.11 203.0.113.12 203.0.113.13 "
	# and the cloud's DNS server is out of reach
	run e2e_in "$E2E_OP" dig +time=1 +tries=1 @"$E2E_CLOUD_IP" "$K8S_HOST" A
	assert_failure 9
	assert_output --partial "no servers could be reached"
}

@test "drill: RESTORE the link; online works again, the next refresh is a no-op" {
	run e2e_link up
	assert_success
	CTX=$(jq -r .kubeconfig.context "$REC")
	for i in $(seq 20); do
		kc --context "$CTX" get --raw /version >/dev/null 2>&1 && break
		sleep 0.5
	done
	run --separate-stderr kc --context "$CTX" get --raw /version
	assert_success
	run jq -r .gitVersion <<<"$output"
	assert_output --regexp '^v1\.'
	fingerprint "$E2E/hosts" >"$E2E/hosts.before"
	fingerprint "$E2E/onprem/endpoint.zone" >"$E2E/zone.before"
	rm -f "$E2E/syslog"
	sleep 1
	run --separate-stderr refresh
	[ "$status" = 0 ] || cat "$E2E/syslog"
	assert_equal "$(fingerprint "$E2E/hosts")" "$(cat "$E2E/hosts.before")"
	assert_equal "$(fingerprint "$E2E/onprem/endpoint.zone")" "$(cat "$E2E/zone.before")"
	st=$status out=$output
	run jq -c '[.status, (.auth.user != null), .kubeconfig.offlineContext]' "$REC"
	assert_output "$(jq -c '[.status, (.auth.user != null), .kubeconfig.offlineContext]' "$E2E/prepared.json")"
	assert_equal "$st" 0
	assert_equal "$out" ""
	[ ! -s "$E2E/syslog" ]
}

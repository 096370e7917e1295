# The Kubernetes API stand-in (tests/k8s_standin.py) for bats tests.
#
#   k8s_certs DIR HOST        make a CA (10 years) and a server cert for HOST
#   k8s_client_cert DIR NAME CN [O...]   a client cert signed by the CA:
#                             DIR/NAME.crt, DIR/NAME.key
#   k8s_start                 start the stand-in on 127.0.0.11-13 (one port);
#                             exports K8S_DIR K8S_HOST K8S_PORT K8S_CTL_PORT
#                             K8S_CA K8S_CA_B64 K8S_CLUSTER_ID K8S_ENDPOINT
#                             K8S_PID K8S_NAME
#   k8s_stop_addr IP          stop one address (connections refused)
#   k8s_hang_addr IP          accept on one address but never answer
#   k8s_start_addr IP         listen on one address again
#   k8s_deny_next_csr         the next CSR created is denied at once
#   k8s_state                 the stand-in's state as JSON
#   k8s_stop                  stop everything (call from teardown)
#   k8s_record                print a cluster record (JSON line) for it
#   k8s_hosts_file FILE [IP...]   a hosts file mapping K8S_HOST to the IPs
#   k8s_pinned CMD...         run CMD with /etc/hosts replaced (bind mount in
#                             a private mount namespace) by a file mapping
#                             K8S_HOST to 127.0.0.11-13
#   k8s_kubeconfig_x509 FILE CERT KEY   a kubeconfig using a client cert
#
# Environment read by k8s_start: K8S_PORT (0/unset: any free port),
# K8S_HOST (default: a random EKS-looking name), MOTO_URL (the STS that
# redeems tokens; without it every token is 401), K8S_CREATOR_ARN,
# K8S_TOKEN_CACHE_TTL (seconds a redeemed token stays valid; default 120),
# K8S_ADDRS (default "127.0.0.11 127.0.0.12 127.0.0.13").

K8S_STANDIN="${EKSL_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/k8s_standin.py"

# k8s_certs DIR HOST
k8s_certs() {
	local dir=$1 host=$2
	mkdir -p "$dir"
	(
		umask 077
		openssl ecparam -name prime256v1 -genkey -noout \
		    -out "$dir/ca.key" 2>/dev/null &&
		openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 \
		    -subj "/CN=kubernetes" -out "$dir/ca.crt" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,digitalSignature,cRLSign" \
		    2>/dev/null &&
		openssl ecparam -name prime256v1 -genkey -noout \
		    -out "$dir/server.key" 2>/dev/null &&
		openssl req -new -key "$dir/server.key" -subj "/CN=kube-apiserver" \
		    -out "$dir/server.csr" 2>/dev/null &&
		printf '%s\n' "subjectAltName=DNS:$host,DNS:kubernetes,DNS:kubernetes.default.svc.cluster.local" \
		    "extendedKeyUsage=serverAuth" \
		    "keyUsage=critical,digitalSignature,keyEncipherment" \
		    >"$dir/server.ext" &&
		openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" \
		    -CAkey "$dir/ca.key" -CAcreateserial -days 3000 -sha256 \
		    -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
	) || { echo "k8s_certs: openssl failed" >&2; return 1; }
}

# k8s_client_cert DIR NAME CN [O...]: DIR/NAME.crt and DIR/NAME.key, signed
# by DIR/ca.crt (DAYS env: validity, default 365).
k8s_client_cert() {
	local dir=$1 name=$2 cn=$3 subj o
	shift 3
	subj="/CN=$cn"
	for o in "$@"; do subj="$subj/O=$o"; done
	(
		umask 077
		openssl ecparam -name prime256v1 -genkey -noout \
		    -out "$dir/$name.key" 2>/dev/null &&
		openssl req -new -key "$dir/$name.key" -subj "$subj" \
		    -out "$dir/$name.csr" 2>/dev/null &&
		printf 'extendedKeyUsage=clientAuth\n' >"$dir/$name.ext" &&
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" \
		    -CAkey "$dir/ca.key" -CAcreateserial -days "${DAYS:-365}" \
		    -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.crt" \
		    2>/dev/null
	) || { echo "k8s_client_cert: openssl failed" >&2; return 1; }
}

k8s_random_host() {
	printf '%s.gr7.us-west-2.eks.amazonaws.com' \
	    "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
}

k8s_start() {
	local addrs a args=() i ready
	# The interpreter itself, not the pyenv shim (which costs a few
	# shell scripts per start).
	[ -n "${K8S_PYTHON:-}" ] ||
	    K8S_PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	export K8S_PYTHON
	export K8S_DIR="${K8S_DIR:-$BATS_TEST_TMPDIR/k8s}"
	export K8S_HOST="${K8S_HOST:-$(k8s_random_host)}"
	export K8S_NAME="${K8S_NAME:-standin}"
	export K8S_CLUSTER_ID="${K8S_CLUSTER_ID:-$(cat /proc/sys/kernel/random/uuid)}"
	addrs=${K8S_ADDRS:-127.0.0.11 127.0.0.12 127.0.0.13}
	[ -f "$K8S_DIR/ca.crt" ] || k8s_certs "$K8S_DIR" "$K8S_HOST" || return 1
	for a in $addrs; do args+=(--addr "$a"); done
	[ -n "${K8S_CREATOR_ARN:-}" ] && args+=(--creator-arn "$K8S_CREATOR_ARN")
	[ -n "${K8S_TOKEN_CACHE_TTL:-}" ] &&
	    args+=(--token-cache-ttl "$K8S_TOKEN_CACHE_TTL")
	rm -f "$K8S_DIR/ready"
	"$K8S_PYTHON" "$K8S_STANDIN" --cert "$K8S_DIR/server.crt" \
	    --key "$K8S_DIR/server.key" --ca "$K8S_DIR/ca.crt" \
	    --ca-key "$K8S_DIR/ca.key" --cluster-id "$K8S_CLUSTER_ID" \
	    --port "${K8S_PORT:-0}" --ready-file "$K8S_DIR/ready" "${args[@]}" \
	    ${K8S_VERBOSE:+-v} </dev/null >"$K8S_DIR/standin.log" 2>&1 &
	export K8S_PID=$!
	for i in $(seq 100); do
		[ -f "$K8S_DIR/ready" ] && break
		kill -0 "$K8S_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -f "$K8S_DIR/ready" ]; then
		echo "k8s_start: stand-in did not start:" >&2
		cat "$K8S_DIR/standin.log" >&2
		return 1
	fi
	ready=$(cat "$K8S_DIR/ready")
	K8S_PORT=$(sed -E 's/.*"port": *([0-9]+).*/\1/' <<<"$ready")
	K8S_CTL_PORT=$(sed -E 's/.*"ctl_port": *([0-9]+).*/\1/' <<<"$ready")
	export K8S_PORT K8S_CTL_PORT
	export K8S_CA="$K8S_DIR/ca.crt"
	K8S_CA_B64=$(base64 -w0 <"$K8S_CA")
	export K8S_CA_B64
	export K8S_ENDPOINT="https://$K8S_HOST:$K8S_PORT"
}

# k8s_ctl PATH: POST to the control listener; prints its JSON answer.
k8s_ctl() {
	curl -sS --fail-with-body --noproxy '*' -X POST \
	    "http://127.0.0.1:$K8S_CTL_PORT$1"
}

# k8s_state: the stand-in's state (running addresses, CSR and binding
# names) as JSON.
k8s_state() {
	curl -sS --fail-with-body --noproxy '*' \
	    "http://127.0.0.1:$K8S_CTL_PORT/state"
}

k8s_stop_addr() { k8s_ctl "/stop?addr=$1" >/dev/null; }
k8s_start_addr() { k8s_ctl "/start?addr=$1" >/dev/null; }
k8s_hang_addr() { k8s_ctl "/hang?addr=$1" >/dev/null; }
k8s_deny_next_csr() { k8s_ctl /deny-next-csr >/dev/null; }
k8s_reset() { k8s_ctl /reset >/dev/null; }

k8s_stop() {
	if [ -n "${K8S_PID:-}" ]; then
		kill "$K8S_PID" 2>/dev/null || true
		wait "$K8S_PID" 2>/dev/null || true
		unset K8S_PID
	fi
	rm -f "${K8S_DIR:-/nonexistent}/ready"
}

# k8s_record: one cluster record line for the running stand-in.
k8s_record() {
	jq -nc --arg name "$K8S_NAME" --arg id "$K8S_CLUSTER_ID" \
	    --arg ep "$K8S_ENDPOINT" --arg ca "$K8S_CA_B64" \
	    --arg creator "${K8S_CREATOR_ARN:-arn:aws:sts::123456789012:user/moto}" \
	    --arg addrs "${K8S_ADDRS:-127.0.0.11 127.0.0.12 127.0.0.13}" '{
	    schema: "eksl.cluster.v1", name: $name, region: "us-west-2",
	    arn: ("arn:aws:eks:us-west-2:123456789012:cluster/" + $name),
	    id: $id, status: "ACTIVE", version: "1.32", endpoint: $ep, ca: $ca,
	    outpost: {arn: "arn:aws:outposts:us-west-2:123456789012:outpost/op-0123456789abcdef0",
		controlPlaneInstanceType: "m5d.large"},
	    creator: {arn: $creator},
	    addresses: [$addrs | split(" ")[] | select(. != "") |
		{ip: ., source: "static"}]}'
}

# k8s_hosts_file FILE [IP...]
k8s_hosts_file() {
	local f=$1 ip
	shift
	[ $# -gt 0 ] || set -- ${K8S_ADDRS:-127.0.0.11 127.0.0.12 127.0.0.13}
	printf '127.0.0.1\tlocalhost\n' >"$f"
	for ip in "$@"; do printf '%s\t%s\n' "$ip" "$K8S_HOST" >>"$f"; done
}

# k8s_pinned CMD...: CMD sees an /etc/hosts that maps K8S_HOST to the
# stand-in's addresses (K8S_HOSTS_FILE: use that file instead).
k8s_pinned() {
	local f=${K8S_HOSTS_FILE:-}
	if [ -z "$f" ]; then
		f="$K8S_DIR/hosts"
		k8s_hosts_file "$f"
	fi
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$f" "$@"
}

# k8s_kubeconfig_x509 FILE CERT KEY: a kubeconfig whose one context uses
# the client certificate.
k8s_kubeconfig_x509() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: standin
  cluster:
    server: $K8S_ENDPOINT
    certificate-authority-data: $K8S_CA_B64
users:
- name: x509
  user:
    client-certificate: $2
    client-key: $3
contexts:
- name: standin
  context:
    cluster: standin
    user: x509
current-context: standin
EOF
}

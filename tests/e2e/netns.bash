# Network namespaces for the e2e drill (tests/e2e/drill.bats).  Load after
# lib/common, lib/moto and lib/k8s.  Everything is created inside the
# private namespace tests/run.sh makes, and uses TEST-NET addresses only:
#
#   cloud     198.51.100.1      the moto wrapper (with the Outposts API), unbound
#                               (Route 53)
#   operator  198.51.100.2      runs the programs and kubectl; routes between
#             203.0.113.2       the other two; has its own mount namespace
#                               (/etc/hosts, /etc/resolv.conf are its copies)
#   outpost   203.0.113.11-13   the API stand-in (the control plane's static
#                               IPs)
#             203.0.113.53      nsd, the on-prem DNS server
#
#   e2e_ns_new VAR [mount]   a keeper process in a new network (and mount)
#                            namespace; its PID goes to VAR
#   e2e_in PID CMD...        run CMD in PID's network namespace
#   op CMD...                run CMD in the operator (network and mount)
#   e2e_net_up               veths, addresses, routes
#   e2e_link down|up         cut or restore the operator-cloud link
#   e2e_bg NAME PID CMD...   start CMD in PID's namespace, in the background,
#                            logging to $E2E/NAME.log; remembered for cleanup
#   e2e_cleanup              stop every process started here

E2E_CLOUD_IP=198.51.100.1
E2E_OP_CLOUD_IP=198.51.100.2
E2E_OP_OUTPOST_IP=203.0.113.2
E2E_CP_IPS="203.0.113.11 203.0.113.12 203.0.113.13"
E2E_ONPREM_DNS=203.0.113.53

e2e_track() { echo "$1" >>"$E2E/pids"; }

e2e_ns_new() {
	local var=$1 pid i self
	self=$(readlink /proc/self/ns/net)
	if [ "${2-}" = mount ]; then
		unshare -n -m --propagation private sleep 3600 \
		    </dev/null >/dev/null 2>&1 3>&- &
	else
		unshare -n sleep 3600 </dev/null >/dev/null 2>&1 3>&- &
	fi
	pid=$!
	e2e_track "$pid"
	for i in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || return 1
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$self" ] &&
		    break
		sleep 0.02
	done
	[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$self" ] || return 1
	printf -v "$var" '%s' "$pid"
	export "${var?}"
}

e2e_in() {
	local pid=$1
	shift
	nsenter -t "$pid" -n -- "$@"
}

op() { nsenter -t "$E2E_OP" -n -m --wd="$PWD" -- "$@"; }

e2e_net_up() {
	local ip
	op ip link set lo up &&
	e2e_in "$E2E_CLOUD" ip link set lo up &&
	e2e_in "$E2E_OUTPOST" ip link set lo up &&
	op ip link add e2e-cloud type veth peer name eth0 netns "$E2E_CLOUD" &&
	op ip link add e2e-outpost type veth peer name eth0 \
	    netns "$E2E_OUTPOST" &&
	op ip addr add "$E2E_OP_CLOUD_IP/24" dev e2e-cloud &&
	op ip addr add "$E2E_OP_OUTPOST_IP/24" dev e2e-outpost &&
	op ip link set e2e-cloud up &&
	op ip link set e2e-outpost up &&
	op sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' &&
	e2e_in "$E2E_CLOUD" ip addr add "$E2E_CLOUD_IP/24" dev eth0 &&
	e2e_in "$E2E_CLOUD" ip link set eth0 up &&
	e2e_in "$E2E_CLOUD" ip route add 203.0.113.0/24 via "$E2E_OP_CLOUD_IP" &&
	for ip in $E2E_CP_IPS $E2E_ONPREM_DNS; do
		e2e_in "$E2E_OUTPOST" ip addr add "$ip/24" dev eth0 || return 1
	done &&
	e2e_in "$E2E_OUTPOST" ip link set eth0 up &&
	e2e_in "$E2E_OUTPOST" ip route add 198.51.100.0/24 \
	    via "$E2E_OP_OUTPOST_IP"
}

e2e_link() {
	op ip link set e2e-cloud "$1" || return 1
	if [ "$1" = up ]; then
		# the routes through the link come back with it
		e2e_in "$E2E_CLOUD" ip route replace 203.0.113.0/24 \
		    via "$E2E_OP_CLOUD_IP"
	fi
}

e2e_bg() {
	local name=$1 pid=$2
	shift 2
	nsenter -t "$pid" -n -- "$@" </dev/null >"$E2E/$name.log" 2>&1 3>&- &
	e2e_track "$!"
}

# e2e_wait_file FILE: until FILE is non-empty (a minute on a loaded machine)
e2e_wait_file() {
	local i
	for i in $(seq 1200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# e2e_wait_dns PID ADDR NAME: until the server at ADDR answers NAME, asked
# from PID's namespace
e2e_wait_dns() {
	for _ in $(seq 200); do
		e2e_in "$1" dig +time=1 +tries=1 @"$2" "$3" A >/dev/null 2>&1 &&
		    return 0
		sleep 0.05
	done
	return 1
}

e2e_cleanup() {
	local p
	[ -f "$E2E/pids" ] || return 0
	while read -r p; do
		kill "$p" 2>/dev/null
	done <"$E2E/pids"
	while read -r p; do
		for _ in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null
	done <"$E2E/pids"
	rm -f "$E2E/pids"
}

# The stand-in's control listener and moto's are on 127.0.0.1 of their
# own namespaces: reach them there.
k8s_ctl() {
	e2e_in "$E2E_OUTPOST" curl -sS --fail-with-body --noproxy '*' \
	    -X POST "http://127.0.0.1:$K8S_CTL_PORT$1"
}

k8s_state() {
	e2e_in "$E2E_OUTPOST" curl -sS --fail-with-body --noproxy '*' \
	    "http://127.0.0.1:$K8S_CTL_PORT/state"
}

# lib/moto's helpers call curl: from the operator, as the programs do.
curl() { op curl "$@"; }

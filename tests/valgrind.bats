#!/usr/bin/env bats
# Valgrind (issue "Hardening"): every program, on its main success path and
# on a failure path, ends with no memory error and no definite leak.  Runs
# the plain build (valgrind and ASan cannot share a process: skipped when
# the programs are built with SAN=1, which has LeakSanitizer instead).

load lib/common
load lib/moto
load lib/k8s

FIX=$BATS_TEST_DIRNAME/fixtures
NS=127.0.0.154
# Exit status valgrind gives a run with an error or a definite leak: no
# program uses it.
VG_RC=99

setup_file() {
	if ldd "$EKSL_BIN/eksl-zone" 2>/dev/null | grep -q libasan; then
		return 0
	fi
	command -v valgrind >/dev/null || return 0
	moto_start
}

teardown_file() {
	moto_stop
}

setup() {
	D=$BATS_TEST_TMPDIR
	UNBOUND=
	if ldd "$EKSL_BIN/eksl-zone" 2>/dev/null | grep -q libasan; then
		skip "the programs are built with ASan (SAN=1): no valgrind"
	fi
	command -v valgrind >/dev/null || skip "valgrind is not installed"
}

teardown() {
	[ -n "$UNBOUND" ] && kill "$UNBOUND" 2>/dev/null
	k8s_stop 2>/dev/null
	return 0
}

# vg WANT NAME PROG ARGS...: run PROG under valgrind with stdin from $IN
# (default /dev/null) and the log in $D/NAME.vg; the program must exit
# WANT (its own status) and valgrind must report nothing: no error, no
# definite leak.  Children (the eksl dispatcher's exec) are traced too.
# VG_PINNED=1: run it with the stand-in's host pinned (k8s_pinned).
vg() {
	local want=$1 name=$2 rc=0 pre=
	shift 2
	[ -n "${VG_PINNED:-}" ] && pre=k8s_pinned
	$pre valgrind -q --trace-children=yes --leak-check=full \
	    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	    --error-exitcode=$VG_RC --log-file="$D/$name.vg" \
	    "$@" <"${IN:-/dev/null}" >"$D/$name.out" 2>"$D/$name.err" || rc=$?
	echo "$name: exit $rc (want $want): $(head -c 300 "$D/$name.err")"
	if [ -s "$D/$name.vg" ]; then
		echo "$name: valgrind reports:"
		head -60 "$D/$name.vg"
		return 1
	fi
	[ "$rc" -ne "$VG_RC" ] && [ "$rc" -eq "$want" ]
}

rec() {	# rec HOST IP: one record line
	printf '{"schema":"eksl.cluster.v1","host":"%s","addresses":[{"ip":"%s","source":"dns"}]}\n' "$1" "$2"
}

kcrec() {	# a local cluster's record for eksl-kubeconfig
	printf '{"schema":"eksl.cluster.v1","name":"c1","region":"us-west-2",'
	printf '"arn":"arn:aws:eks:us-west-2:111122223333:cluster/c1",'
	printf '"id":"a1b2c3d4-5678-90ab-cdef-111122223333",'
	printf '"endpoint":"https://c1.gr7.us-west-2.eks.amazonaws.com/",'
	printf '"ca":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}\n'
}

start_unbound() {	# a resolver for eksl-resolve on $NS:53
	cat >"$D/unbound.conf" <<EOC
server:
	interface: $NS@53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$D"
	pidfile: ""
	use-syslog: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "eks.test." static
	local-data: "api.eks.test. 300 IN A 127.0.0.11"
remote-control:
	control-enable: no
EOC
	unbound -d -c "$D/unbound.conf" >/dev/null 2>&1 3>&- &
	UNBOUND=$!
	local i
	for i in $(seq 100); do
		dig +time=1 +tries=1 @"$NS" api.eks.test A 2>/dev/null |
		    grep -q 'status: NOERROR' && return 0
		sleep 0.05
	done
	return 1
}

@test "valgrind: eksl-hosts pin, list; a pin into a missing directory" {
	cp "$FIX/hosts/debian.hosts" "$D/hosts"
	vg 0 pin eksl-hosts pin --file "$D/hosts" --host vg.example --ip 10.0.0.1 --ip 10.0.0.2
	grep -q vg.example "$D/hosts"
	vg 0 list eksl-hosts list --file "$D/hosts"
	vg 6 pin-fail eksl-hosts pin --file "$D/no/such/hosts" --host vg.example --ip 10.0.0.1
	grep -q '^eksl-hosts: ' "$D/pin-fail.err"
}

@test "valgrind: eksl-zone --out (new, then changed); bad JSON" {
	rec abc.example.test 127.0.0.11 >"$D/in1"
	rec abc.example.test 127.0.0.12 >"$D/in2"
	IN=$D/in1 vg 0 zone-new eksl-zone --format zone --out "$D/a.zone"
	IN=$D/in2 vg 0 zone-changed eksl-zone --format zone --out "$D/a.zone"
	printf '{"schema":\n' >"$D/bad"
	IN=$D/bad vg 3 zone-bad eksl-zone --format zone --out "$D/c.zone"
	grep -q '^eksl-zone: ' "$D/zone-bad.err"
}

@test "valgrind: eksl-kubeconfig (new, merged into a foreign file); a broken kubeconfig" {
	kcrec >"$D/in"
	mkdir -p "$D/kube"
	IN=$D/in vg 0 kc-new eksl-kubeconfig --kubeconfig "$D/kube/config"
	cp "$FIX/kubeconfig/foreign.yaml" "$D/kube/foreign"
	chmod 600 "$D/kube/foreign"
	IN=$D/in vg 0 kc-merge eksl-kubeconfig --kubeconfig "$D/kube/foreign"
	printf 'apiVersion: v1\nkind: Config\nclusters: [\n' >"$D/kube/broken"
	IN=$D/in vg 3 kc-broken eksl-kubeconfig --kubeconfig "$D/kube/broken"
	grep -q '^eksl-kubeconfig: ' "$D/kc-broken.err"
}

@test "valgrind: eksl-resolve (answered, with a state dir); no server answers" {
	start_unbound
	vg 0 resolve-ok eksl-resolve --server "$NS" --state-dir "$D/st" --host api.eks.test
	grep -q 127.0.0.11 "$D/resolve-ok.out"
	vg 5 resolve-fail eksl-resolve --server 127.0.0.1:9 --timeout 200 --tries 1 --host api.eks.test
	grep -q '^eksl-resolve: ' "$D/resolve-fail.err"
}

@test "valgrind: eksl-token and the eksl dispatcher; no credentials" {
	export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_REGION=us-west-2
	export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
	vg 0 token eksl-token --cluster-id a1b2c3d4-5678-90ab-cdef-111122223333
	grep -q k8s-aws-v1 "$D/token.out"
	vg 0 eksl eksl token --cluster-id a1b2c3d4-5678-90ab-cdef-111122223333
	grep -q k8s-aws-v1 "$D/eksl.out"
	vg 2 eksl-bad eksl nosuchcommand
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	vg 3 token-fail eksl-token --cluster-id a1b2c3d4-5678-90ab-cdef-111122223333
	grep -q '^eksl-token: ' "$D/token-fail.err"
}

@test "valgrind: eksl-provision validate, assume-role and describe against moto; their failures" {
	vg 0 validate eksl-provision validate -f "$FIX/clusterconfig/good-full.yaml"
	vg 3 validate-bad eksl-provision validate -f "$FIX/clusterconfig/bad-alias.yaml"
	grep -q '^eksl-provision: ' "$D/validate-bad.err"
	moto_reset
	moto_env
	vg 0 assume eksl-provision assume-role --role-arn arn:aws:iam::123456789012:role/vg
	vg 4 describe-none eksl-provision describe --name nope
	grep -q '^eksl-provision: nope: ' "$D/describe-none.err"
}

@test "valgrind: eksl-authcheck prepare and check; check of a record with no credentials" {
	moto_reset
	moto_env
	k8s_start
	k8s_record >"$D/rec"
	IN=$D/rec vg 0 prepare eksl-authcheck prepare --dir "$D/creds"
	[ -s "$D/prepare.out" ]
	IN=$D/prepare.out VG_PINNED=1 vg 0 check eksl-authcheck check --timeout 60000
	IN=$D/rec vg 3 check-fail eksl-authcheck check
	grep -q '^eksl-authcheck: ' "$D/check-fail.err"
}

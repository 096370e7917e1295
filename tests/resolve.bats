#!/usr/bin/env bats
# eksl-resolve against a real DNS server: unbound on loopback, inside the
# private network namespace of tests/run.sh.  The zone lives in
# tests/fixtures/resolve/; 1000 more names are generated here.

load lib/common

NS=127.0.0.153		# unbound, port 53 (and 5391, v4 and [::1])
NS2=127.0.0.154		# a second unbound, stopped by one test

bats_require_minimum_version 1.5.0

# wait_dns SERVER PORT NAME: poll with dig until the server answers.
wait_dns() {
	local i
	for i in $(seq 100); do
		dig +time=1 +tries=1 -p "$2" @"$1" "$3" A 2>/dev/null |
		    grep -q 'status: NOERROR' && return 0
		sleep 0.05
	done
	echo "DNS server $1#$2 did not start" >&2
	return 1
}

# unbound_conf DIR ADDRESS: a config serving the fixture zone on ADDRESS.
unbound_conf() {
	cat <<EOF
server:
	interface: $2@53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$1"
	pidfile: ""
	use-syslog: no
	logfile: "$1/unbound-$2.log"
	verbosity: 0
	access-control: 127.0.0.0/8 allow
	access-control: ::1 allow
	module-config: "iterator"
	include: "$1/bulk.conf"
	# last: it ends with a forward-zone clause
	include: "$1/zone.conf"
remote-control:
	control-enable: no
EOF
}

setup_file() {
	local d=$BATS_FILE_TMPDIR i
	export D=$d
	cp "$BATS_TEST_DIRNAME/fixtures/resolve/zone.conf" "$d/zone.conf"
	# 1000 names, n0.bulk.test .. n999.bulk.test, one A each.
	{
		echo 'local-zone: "bulk.test." static'
		for i in $(seq 0 999); do
			echo "local-data: \"n$i.bulk.test. 300 IN A" \
			    "127.1.$((i / 256)).$((i % 256))\""
		done
	} >"$d/bulk.conf"
	{
		unbound_conf "$d" "$NS"
		printf 'server:\n\tinterface: %s@5391\n\tinterface: ::1@5391\n' "$NS"
	} >"$d/unbound.conf"
	unbound_conf "$d" "$NS2" >"$d/unbound2.conf"
	unbound -d -c "$d/unbound.conf" >/dev/null 2>&1 3>&- &
	echo $! >"$d/unbound.pid"
	unbound -d -c "$d/unbound2.conf" >/dev/null 2>&1 3>&- &
	echo $! >"$d/unbound2.pid"
	# A TCP listener on 127.0.0.11 for --probe; it never accepts, the
	# kernel completes the handshake from the backlog.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.11", 0)); s.listen(128)
print(s.getsockname()[1], flush=True); time.sleep(3600)' \
	    >"$d/listen.port" 2>/dev/null 3>&- &
	echo $! >"$d/listen.pid"
	wait_dns "$NS" 53 api.eks.test
	wait_dns "$NS" 5391 api.eks.test
	wait_dns ::1 5391 api.eks.test
	wait_dns "$NS2" 53 api.eks.test
	for i in $(seq 100); do
		[ -s "$d/listen.port" ] && break
		sleep 0.05
	done
}

teardown_file() {
	local f
	for f in unbound unbound2 listen; do
		[ -f "$D/$f.pid" ] && kill "$(cat "$D/$f.pid")" 2>/dev/null
	done
	true
}

teardown() {
	# a home made outside bats' temp dir for an unprivileged user
	if [ -f "$BATS_TEST_TMPDIR/home.path" ]; then
		rm -rf "$(cat "$BATS_TEST_TMPDIR/home.path")"
	fi
}

setup() {
	ST=$BATS_TEST_TMPDIR/state
	PORT=$(cat "$D/listen.port")
}

# res ARGS...: eksl-resolve against the test server with a private state dir.
res() {
	eksl-resolve --server "$NS" --state-dir "$ST" "$@"
}

# saved HOST: HOST's line in the last-known-good file
saved() {
	jq -c --arg h "$1" 'select(.host == $h)' "$ST/resolve.jsonl"
}

# seed HOST SINCE IP...: write HOST's last-known-good line (TTL 300)
seed() {
	local host=$1 since=$2 a= ip
	shift 2
	for ip in "$@"; do
		a="$a${a:+,}{\"ip\":\"$ip\",\"ttl\":300}"
	done
	mkdir -p "$ST"
	printf '{"host":"%s","since":"%s","addresses":[%s]}\n' "$host" \
	    "$since" "$a" >>"$ST/resolve.jsonl"
}

# seed_old HOST IP...: an earlier version's per-host file (TTL 60)
seed_old() {
	local host=$1 a= ip
	shift
	for ip in "$@"; do
		a="$a${a:+,}{\"ip\":\"$ip\",\"ttl\":60}"
	done
	mkdir -p "$ST/resolve"
	printf '{\n "host": "%s",\n "since": "2026-01-01T00:00:00Z",\n "addresses": [%s]\n}\n' \
	    "$host" "$a" >"$ST/resolve/$host.json"
}

API4='["127.0.0.11","127.0.0.12","127.0.0.13","::1"]'

# ---- options ---------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr eksl-resolve --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: eksl-resolve [--server HOST[:PORT]]... [--timeout MS] [--tries N] [--state-dir DIR]" ]]
	[[ "$output" == *"[--probe] [--port N] [--host NAME]..."* ]]
	[ -z "$stderr" ]
}

@test "--version names the program and the version" {
	run --separate-stderr eksl-resolve --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^eksl-resolve\ \(eksl\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "an unknown option is a usage error (exit 2)" {
	run --separate-stderr eksl-resolve --bogus
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"unrecognized option '--bogus'"* ]]
	[[ "$stderr" == *"usage: eksl-resolve"* ]]
}

@test "an operand is a usage error (exit 2)" {
	run --separate-stderr eksl-resolve api.eks.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: api.eks.test: unexpected argument" ]
}

@test "--timeout, --tries and --port take numbers in range (exit 2)" {
	run --separate-stderr eksl-resolve --timeout 0 --host a.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: --timeout: '0': expected a number from 1 to 600000" ]
	run --separate-stderr eksl-resolve --tries x --host a.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: --tries: 'x': expected a number from 1 to 20" ]
	run --separate-stderr eksl-resolve --port 65536 --host a.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: --port: '65536': expected a number from 1 to 65535" ]
}

@test "--state-dir must not be empty (exit 2)" {
	run --separate-stderr eksl-resolve --state-dir "" --host a.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: --state-dir: empty" ]
}

@test "an unparsable --server is bad input (exit 3) and nothing is printed" {
	local spec want
	while IFS='|' read -r spec want; do
		run --separate-stderr eksl-resolve --server "$spec" --host api.eks.test
		[ "$status" -eq 3 ]
		[ "$stderr" = "eksl-resolve: --server: $want" ]
		[ -z "$output" ]
	done <<'EOF'
dns.example|dns.example: not an IP address
127.0.0.1:0|127.0.0.1: bad port '0'
127.0.0.1:99999|127.0.0.1: bad port '99999'
127.0.0.1:x|127.0.0.1: bad port 'x'
[::1|[::1: missing ']'
[::1]x|[::1]x: junk after ']'
[]:53|: not an IP address
EOF
}

@test "more than 8 --server is a usage error (exit 2)" {
	run --separate-stderr eksl-resolve $(printf -- '--server 127.0.0.1 %.0s' $(seq 9)) --host a.test
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: --server: at most 8 servers" ]
}

# ---- answers ---------------------------------------------------------

@test "three A and one AAAA: source dns with TTL, ok, saved as last-known-good" {
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
	[ "$(jq -c '[.addresses[] | .source, .ttl] | unique' <<<"$output")" = '[300,"dns"]' ]
	[ "$(jq -c '.resolve | [.ok, .stale, .servers, .error, .changed]' <<<"$output")" = '[true,false,["127.0.0.153:53"],null,false]' ]
	[[ "$(jq -r .resolve.at <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	[ "$(jq -r .schema <<<"$output")" = eksl.cluster.v1 ]
	[ "$(saved api.eks.test | jq -c '[.addresses[] | .ip, .ttl]')" = '["127.0.0.11",300,"127.0.0.12",300,"127.0.0.13",300,"::1",300]' ]
	[ "$(wc -l <"$ST/resolve.jsonl")" -eq 1 ]
	[[ "$(saved api.eks.test | jq -r .since)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	[ "$(ls -A "$ST")" = "$(printf '.resolve.jsonl.eksl.lock\nresolve.jsonl')" ]
}

@test "the answer matches dig's, an independent client" {
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	want=$( (dig +short @"$NS" api.eks.test A | sort -V; dig +short @"$NS" api.eks.test AAAA) | jq -Rsc 'split("\n") | map(select(. != ""))')
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$want" ]
}

@test "records on stdin: host from endpoint, other fields pass through in order" {
	in='{"schema":"eksl.cluster.v1","name":"c1","endpoint":"https://API.eks.test/","x":{"y":[1,2]}}
{"name":"c2","host":"v4only.eks.test"}'
	run_stdin "$in" eksl-resolve --server "$NS" --state-dir "$ST"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -c '[keys_unsorted[]]' <<<"${lines[0]}")" = '["schema","name","endpoint","x","host","addresses","resolve"]' ]
	[ "$(jq -c .x <<<"${lines[0]}")" = '{"y":[1,2]}' ]
	[ "$(jq -r .host <<<"${lines[0]}")" = api.eks.test ]
	[ "$(jq -c '[.addresses[].ip]' <<<"${lines[0]}")" = "$API4" ]
	[ "$(jq -c '[.addresses[] | [.ip, .ttl]]' <<<"${lines[1]}")" = '[["127.0.0.21",60]]' ]
}

@test "--host builds records from flags and does not read stdin" {
	run_stdin '{"host":"v4only.eks.test"}' eksl-resolve --server "$NS" --state-dir "$ST" --host api.eks.test --host v4only.eks.test
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .host <<<"${lines[0]}")" = api.eks.test ]
	[ "$(jq -r .host <<<"${lines[1]}")" = v4only.eks.test ]
}

@test "an unchanged answer does not rewrite the last-known-good (mtime and inode stay)" {
	res --host api.eks.test >/dev/null
	f=$ST/resolve.jsonl
	touch -d '2020-01-01' "$f"
	before=$(stat -c '%i %Y' "$f")
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$(stat -c '%i %Y' "$f")" = "$before" ]
}

@test "a host in capitals or with a final dot shares the last-known-good file" {
	run --separate-stderr res --host API.EKS.test.
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
	[ "$(jq -r .host "$ST/resolve.jsonl")" = api.eks.test ]
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .resolve.changed <<<"$output")" = false ]
	[ "$(jq -r .host "$ST/resolve.jsonl")" = api.eks.test ]
}

@test "an IPv4 server with a port, an IPv6 server as [::1]:PORT" {
	run --separate-stderr eksl-resolve --server "$NS:5391" --state-dir "$ST" --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$(jq -c .resolve.servers <<<"$output")" = '["127.0.0.153:5391"]' ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
	run --separate-stderr eksl-resolve --server "[::1]:5391" --state-dir "$ST" --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$(jq -c .resolve.servers <<<"$output")" = '["[::1]:5391"]' ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
}

@test "a dead first server fails over to the next" {
	run --separate-stderr eksl-resolve --server 127.0.0.1:9 --server "$NS" --state-dir "$ST" --timeout 300 --host api.eks.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c .resolve.servers <<<"$output")" = '["127.0.0.1:9","127.0.0.153:53"]' ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
}

@test "without --server the system configuration is used" {
	printf 'nameserver %s\n' "$NS" >"$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	    exec eksl-resolve --state-dir "$2" --host api.eks.test' sh \
	    "$BATS_TEST_TMPDIR/resolv.conf" "$ST"
	[ "$status" -eq 0 ]
	[ "$(jq -c .resolve.servers <<<"$output")" = '["127.0.0.153:53"]' ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
}

# ---- failures, classified --------------------------------------------

@test "NXDOMAIN with no fallback: exit 5, errors[] entry, empty addresses" {
	run --separate-stderr res --host nope.eks.test
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; no last-known-good and no controlPlane address" ]
	[ "$(jq -c '.addresses' <<<"$output")" = '[]' ]
	[ "$(jq -c '.resolve | [.ok, .stale, .error]' <<<"$output")" = '[false,false,"NXDOMAIN"]' ]
	[ "$(jq -c '.errors' <<<"$output")" = '[{"tool":"resolve","code":"dns","message":"nope.eks.test: NXDOMAIN; no last-known-good and no controlPlane address"}]' ]
	[ ! -e "$ST/resolve.jsonl" ]
}

@test "SERVFAIL (unbound forwarding to a dead server): exit 5" {
	run --separate-stderr res --timeout 500 --host api.servfail.test
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: api.servfail.test: SERVFAIL; no last-known-good and no controlPlane address" ]
	[ "$(jq -r .resolve.error <<<"$output")" = SERVFAIL ]
}

@test "REFUSED: exit 5" {
	run --separate-stderr res --host api.refuse.test
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: api.refuse.test: REFUSED; no last-known-good and no controlPlane address" ]
	[ "$(jq -r .resolve.error <<<"$output")" = REFUSED ]
}

# dns_ms: the time the lookups took, as eksl-resolve -v reports it
# (its own clock: start-up on a loaded machine or under ASan is not the
# DNS budget's business).
dns_ms() {
	local l
	for l in "${stderr_lines[@]}"; do
		if [[ "$l" =~ ^eksl-resolve:\ [0-9]+\ names?\ resolved\ in\ ([0-9]+)\ ms$ ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done
	return 1
}

@test "a server that drops the query: timeout within --timeout x --tries" {
	run --separate-stderr res -v --timeout 400 --tries 3 --host api.deny.test
	[ "$status" -eq 5 ]
	[ "${stderr_lines[1]}" = "eksl-resolve: api.deny.test: timeout; no last-known-good and no controlPlane address" ]
	[ "$(jq -r .resolve.error <<<"$output")" = timeout ]
	# 1200 ms: not less, and under twice as much
	t=$(dns_ms)
	echo "lookups took $t ms" >&2
	[ "$t" -ge 1190 ] && [ "$t" -lt 2400 ]
	run --separate-stderr res -v --timeout 400 --tries 1 --host api.deny.test
	[ "$status" -eq 5 ]
	t=$(dns_ms)
	echo "lookups took $t ms" >&2
	[ "$t" -ge 390 ] && [ "$t" -lt 800 ]
}

@test "a closed port: no answer within --timeout x --tries" {
	run --separate-stderr eksl-resolve -v --server 127.0.0.1:9 --state-dir "$ST" --timeout 500 --tries 2 --host api.eks.test
	[ "$status" -eq 5 ]
	[[ "${stderr_lines[1]}" =~ ^eksl-resolve:\ api.eks.test:\ (timeout|connection\ refused|A:\ [a-z ]+,\ AAAA:\ [a-z ]+)\;\ no\ last-known-good\ and\ no\ controlPlane\ address$ ]]
	t=$(dns_ms)
	echo "lookups took $t ms" >&2
	[ "$t" -lt 2000 ]
}

@test "no server configured: 'no servers', exit 5" {
	printf 'search example.test\n' >"$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	    exec eksl-resolve --state-dir "$2" --timeout 100 --tries 1 --host api.eks.test' sh \
	    "$BATS_TEST_TMPDIR/resolv.conf" "$ST"
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: api.eks.test: no servers; no last-known-good and no controlPlane address" ]
	[ "$(jq -r .resolve.error <<<"$output")" = "no servers" ]
}

# ---- fallbacks ---------------------------------------------------------

@test "controlPlane fallback: source ec2, exit 1, warning" {
	in='{"name":"c","host":"nope.eks.test","controlPlane":[{"instanceId":"i-1","privateIp":"10.0.1.10"},{"instanceId":"i-2","privateIp":"10.0.1.11"},{"instanceId":"i-3","privateIp":"10.0.1.12"},{"instanceId":"i-4","privateIp":"not-an-ip"}]}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; using 3 addresses from controlPlane" ]
	[ "$(jq -c '[.addresses[] | [.ip, .source]]' <<<"$output")" = '[["10.0.1.10","ec2"],["10.0.1.11","ec2"],["10.0.1.12","ec2"]]' ]
	[ "$(jq -c '.resolve | [.ok, .error]' <<<"$output")" = '[false,"NXDOMAIN"]' ]
	[ "$(jq -c '.errors' <<<"$output")" = null ]
	[ ! -e "$ST/resolve.jsonl" ]
}

@test "cache fallback after the server stops: source cache, stale, exit 1" {
	run --separate-stderr eksl-resolve --server "$NS2" --state-dir "$ST" --host api.eks.test
	[ "$status" -eq 0 ]
	kill "$(cat "$D/unbound2.pid")"
	for i in $(seq 100); do
		dig +time=1 +tries=1 @"$NS2" api.eks.test >/dev/null 2>&1 || break
		sleep 0.05
	done
	before=$(cat "$ST/resolve.jsonl")
	in='{"host":"api.eks.test","controlPlane":[{"privateIp":"10.0.1.10"}]}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" --timeout 200 --tries 1 <<<"$3"' sh "$NS2" "$ST" "$in"
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^eksl-resolve:\ api.eks.test:\ [a-zA-Z\ ,:]+\;\ using\ 4\ addresses\ from\ last-known-good$ ]]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
	[ "$(jq -c '[.addresses[].source] | unique' <<<"$output")" = '["cache"]' ]
	[ "$(jq -c '[.addresses[].ttl] | unique' <<<"$output")" = '[300]' ]
	[ "$(jq -c '.resolve | [.ok, .stale, .changed, .servers]' <<<"$output")" = '[false,true,false,["127.0.0.154:53"]]' ]
	# the failure wrote nothing
	[ "$(cat "$ST/resolve.jsonl")" = "$before" ]
}

@test "the fallback with more addresses wins: controlPlane over a smaller cache" {
	seed nope.eks.test 2026-01-01T00:00:00Z 10.0.1.10
	in='{"host":"nope.eks.test","controlPlane":[{"privateIp":"10.0.1.10"},{"privateIp":"10.0.1.11"}]}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; using 2 addresses from controlPlane" ]
	[ "$(jq -c '[.addresses[] | [.ip, .source]]' <<<"$output")" = '[["10.0.1.10","ec2"],["10.0.1.11","ec2"]]' ]
	# on a tie the last-known-good wins
	in='{"host":"nope.eks.test","controlPlane":[{"privateIp":"10.0.1.99"}]}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; using 1 address from last-known-good" ]
	[ "$(jq -c '[.addresses[] | [.ip, .source]]' <<<"$output")" = '[["10.0.1.10","cache"]]' ]
	[ "$(jq -r .resolve.stale <<<"$output")" = true ]
}

@test "a record's own addresses are kept when nothing better exists" {
	in='{"host":"nope.eks.test","addresses":[{"ip":"127.0.0.11","source":"static"}]}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; using 1 address from the record's own addresses" ]
	[ "$(jq -c '.addresses' <<<"$output")" = '[{"ip":"127.0.0.11","source":"static"}]' ]
}

@test "a changed answer is flagged and reported with old and new addresses" {
	seed api.eks.test 2026-01-01T00:00:00Z 127.0.0.11 127.0.0.99
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-resolve: api.eks.test: answer changed: 127.0.0.11 127.0.0.99 -> 127.0.0.11 127.0.0.12 127.0.0.13 ::1" ]
	[ "$(jq -c '.resolve | [.ok, .changed]' <<<"$output")" = '[true,true]' ]
	# the new, larger answer is the last-known-good now
	[ "$(saved api.eks.test | jq -c '[.addresses[].ip]')" = "$API4" ]
	[ "$(saved api.eks.test | jq -r .since)" != 2026-01-01T00:00:00Z ]
	# and the next run sees no change
	run --separate-stderr res --host api.eks.test
	[ -z "$stderr" ]
	[ "$(jq -r .resolve.changed <<<"$output")" = false ]
}

@test "a smaller answer is flagged but never replaces a larger last-known-good" {
	seed v4only.eks.test 2026-01-01T00:00:00Z 127.0.0.21 127.0.0.22
	f=$ST/resolve.jsonl
	before=$(cat "$f")
	run --separate-stderr res --host v4only.eks.test
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: v4only.eks.test: answer changed: 127.0.0.21 127.0.0.22 -> 127.0.0.21" ]
	[ "${stderr_lines[1]}" = "eksl-resolve: v4only.eks.test: answer not saved as last-known-good: it has 1 addresses, the saved one 2" ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = '["127.0.0.21"]' ]
	[ "$(cat "$f")" = "$before" ]
}

@test "a failed lookup never writes the state dir (no empty answer saved)" {
	seed nope.eks.test 2026-01-01T00:00:00Z 127.0.0.31
	f=$ST/resolve.jsonl
	touch -d 2020-01-01 "$f"
	before=$(stat -c '%i %Y' "$f")
	run --separate-stderr res --host nope.eks.test
	[ "$status" -eq 1 ]
	[ "$(stat -c '%i %Y' "$f")" = "$before" ]
}

@test "a corrupt last-known-good is reported, ignored and replaced by a good answer" {
	seed v4only.eks.test 2026-01-01T00:00:00Z 127.0.0.21
	echo '{"host":"api.eks.test","addresses":[{"ip":"bad"}]}' >>"$ST/resolve.jsonl"
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-resolve: $ST/resolve.jsonl:2: address 1: not an IP address (ignored)" ]
	[ "$(saved api.eks.test | jq -c '[.addresses[].ip]')" = "$API4" ]
	# the other host's line is kept as it was
	[ "$(saved v4only.eks.test | jq -r .since)" = 2026-01-01T00:00:00Z ]
}

@test "many hosts: one file, one line each, sorted by host; other runs' hosts are kept" {
	run --separate-stderr res --host v4only.eks.test --host api.eks.test --host nope.eks.test
	[ "$status" -eq 5 ]
	[ "$(jq -r .host "$ST/resolve.jsonl" | tr '\n' ' ')" = "api.eks.test v4only.eks.test " ]
	# every line is the canonical form (what a reader may rely on)
	[ "$(sed -n 2p "$ST/resolve.jsonl" | sed 's/"since":"[^"]*"/"since":"T"/')" = '{"host":"v4only.eks.test","since":"T","addresses":[{"ip":"127.0.0.21","ttl":60}]}' ]
	# a run with other hosts merges its answers in, the rest stays as is
	head -1 "$ST/resolve.jsonl" >"$BATS_TEST_TMPDIR/first"
	run --separate-stderr res --host n7.bulk.test
	[ "$status" -eq 0 ]
	[ "$(jq -r .host "$ST/resolve.jsonl" | tr '\n' ' ')" = "api.eks.test n7.bulk.test v4only.eks.test " ]
	[ "$(head -1 "$ST/resolve.jsonl")" = "$(cat "$BATS_TEST_TMPDIR/first")" ]
}

@test "two runs at once, each with its own hosts: both answers are saved" {
	for i in 1 2 3 4 5; do
		res --host "n$i.bulk.test" >/dev/null &
		res --host "n1$i.bulk.test" >/dev/null &
		wait
	done
	[ "$(jq -r .host "$ST/resolve.jsonl" | sort | tr '\n' ' ')" = "n1.bulk.test n11.bulk.test n12.bulk.test n13.bulk.test n14.bulk.test n15.bulk.test n2.bulk.test n3.bulk.test n4.bulk.test n5.bulk.test " ]
}

@test "a file edited by hand is read in any JSON form and order; a line with no host is reported and dropped" {
	mkdir -p "$ST"
	cat >"$ST/resolve.jsonl" <<'EOF'
{"since": "2026-01-01T00:00:00Z", "host": "V4ONLY.eks.test.", "addresses": [{"ttl": 60, "ip": "127.0.0.21", "note": "x"}]}

not json
{"host":"api.eks.test","since":"2026-01-01T00:00:00Z","addresses":[{"ip":"127.0.0.13","ttl":300},{"ip":"::1","ttl":300},{"ip":"127.0.0.12","ttl":300},{"ip":"127.0.0.11","ttl":300},{"ip":"127.0.0.11","ttl":300}]}
{"host":"api.eks.test","since":"2020-01-01T00:00:00Z","addresses":[{"ip":"127.0.0.99","ttl":300}]}
EOF
	run --separate-stderr res --host api.eks.test --host v4only.eks.test
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: $ST/resolve.jsonl:3:3: '[' or '{' expected near 'not' (ignored)" ]
	[ "${stderr_lines[1]}" = "eksl-resolve: $ST/resolve.jsonl:5: api.eks.test: also on line 4 (ignored)" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	# both answers are the saved ones: nothing changed, nothing written
	[ "$(jq -c '[.resolve.changed]' <<<"$output" | tr -d '\n')" = '[false][false]' ]
	[ "$(wc -l <"$ST/resolve.jsonl")" -eq 5 ]
	# a new answer rewrites the file: sorted, the bad lines gone, the
	# others as they were
	run --separate-stderr res -q --host n3.bulk.test
	[ "$status" -eq 0 ]
	[ "$(jq -r .host "$ST/resolve.jsonl" | tr '\n' ' ')" = "api.eks.test n3.bulk.test V4ONLY.eks.test. " ]
	[ "$(saved api.eks.test | jq -r .since)" = 2026-01-01T00:00:00Z ]
}

@test "an earlier version's per-host file is used, then moved into resolve.jsonl" {
	seed_old api.eks.test 127.0.0.11 127.0.0.12 127.0.0.13 ::1
	seed_old v4only.eks.test 127.0.0.21
	touch "$ST/resolve/.api.eks.test.json.eksl.lock"
	# DNS fails: the old file is the last-known-good
	run --separate-stderr eksl-resolve --server 127.0.0.1:9 --timeout 200 --tries 1 --state-dir "$ST" --host api.eks.test
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.addresses[] | .ip, .source, .ttl] | unique' <<<"$output")" = '[60,"127.0.0.11","127.0.0.12","127.0.0.13","::1","cache"]' ]
	[ "$(saved api.eks.test | jq -c '[.since, [.addresses[].ip]]')" = '["2026-01-01T00:00:00Z",["127.0.0.11","127.0.0.12","127.0.0.13","::1"]]' ]
	[ ! -e "$ST/resolve/api.eks.test.json" ]
	[ ! -e "$ST/resolve/.api.eks.test.json.eksl.lock" ]
	# DNS answers the same: not a change; the last old file goes, and
	# its directory with it
	run --separate-stderr res --host v4only.eks.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .resolve.changed <<<"$output")" = false ]
	[ "$(saved v4only.eks.test | jq -r .since)" = 2026-01-01T00:00:00Z ]
	[ ! -e "$ST/resolve" ]
	[ "$(jq -r .host "$ST/resolve.jsonl" | tr '\n' ' ')" = "api.eks.test v4only.eks.test " ]
}

@test "an earlier version's file that differs from DNS is flagged; a corrupt one is ignored" {
	seed_old api.eks.test 127.0.0.11 127.0.0.99
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-resolve: api.eks.test: answer changed: 127.0.0.11 127.0.0.99 -> 127.0.0.11 127.0.0.12 127.0.0.13 ::1" ]
	[ "$(saved api.eks.test | jq -c '[.addresses[].ip]')" = "$API4" ]
	[ ! -e "$ST/resolve" ]
	rm "$ST/resolve.jsonl"
	mkdir -p "$ST/resolve"
	echo '{"host":"api.eks.test","addresses":[{"ip":"bad"}]}' >"$ST/resolve/api.eks.test.json"
	run --separate-stderr res --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-resolve: $ST/resolve/api.eks.test.json: address 1: not an IP address (ignored)" ]
	[ "$(saved api.eks.test | jq -c '[.addresses[].ip]')" = "$API4" ]
}

@test "a state dir that cannot be written: exit 6 with an io error, addresses still printed" {
	touch "$BATS_TEST_TMPDIR/file"
	run --separate-stderr eksl-resolve --server "$NS" --state-dir "$BATS_TEST_TMPDIR/file" --host api.eks.test
	[ "$status" -eq 6 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: $BATS_TEST_TMPDIR/file/resolve.jsonl: Not a directory (ignored)" ]
	[ "${stderr_lines[1]}" = "eksl-resolve: $BATS_TEST_TMPDIR/file: not a directory" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
	[ "$(jq -r '.errors[0].code' <<<"$output")" = io ]
}

@test "standard output that cannot be written: exit 6" {
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" --host api.eks.test >/dev/full' sh "$NS" "$ST"
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-resolve: stdout: No space left on device" ]
}

# ---- bad input -----------------------------------------------------------

@test "an invalid host name is bad input (exit 3) for that record; the others go on" {
	in='{"host":"bad_name!.test"}
{"name":"nothing"}
{"host":"api.eks.test"}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 3 ]
	[ "${stderr_lines[0]}" = "eksl-resolve: bad_name!.test: not a valid host name" ]
	[ "${stderr_lines[1]}" = "eksl-resolve: record has no host and no endpoint" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -c '.errors' <<<"${lines[0]}")" = '[{"tool":"resolve","code":"input","message":"bad_name!.test: not a valid host name"}]' ]
	[ "$(jq -c '.errors[0].code' <<<"${lines[1]}")" = '"input"' ]
	[ "$(jq -c '[.addresses[].ip]' <<<"${lines[2]}")" = "$API4" ]
}

@test "--host with an invalid name: exit 3" {
	run --separate-stderr res --host "-bad.test"
	[ "$status" -eq 3 ]
	[ "$stderr" = "eksl-resolve: -bad.test: not a valid host name" ]
}

@test "a bad JSON line is reported with line:column (exit 3); the next record goes on" {
	in='{"host": nope}
{"host":"api.eks.test"}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 3 ]
	[[ "${stderr_lines[0]}" == "eksl-resolve: stdin:1:"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '[.addresses[].ip]' <<<"${lines[0]}")" = "$API4" ]
}

@test "exit status is the worst of the records': 5 beats 1 beats 0" {
	in='{"host":"api.eks.test"}
{"host":"nope.eks.test","controlPlane":[{"privateIp":"10.0.1.10"}]}
{"host":"api.refuse.test"}'
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 5 ]
	[ "${#lines[@]}" -eq 3 ]
}

# ---- scale -------------------------------------------------------------------

@test "1000 records in one run: none lost, every answer right" {
	for i in $(seq 0 999); do
		printf '{"name":"c%d","host":"n%d.bulk.test"}\n' "$i" "$i"
	done >"$BATS_TEST_TMPDIR/in"
	# the state dir on a private tmpfs: 1000 first saves, each fsync'd,
	# would cost seconds on a disk and test nothing more
	mkdir -p "$ST"
	run --separate-stderr unshare -m sh -c 'mount -t tmpfs tmpfs "$2" &&
	    eksl-resolve --server "$1" --state-dir "$2" <"$3" &&
	    wc -l <"$2/resolve.jsonl" >&2' sh "$NS" "$ST" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = 1000 ]
	[ "${#lines[@]}" -eq 1000 ]
	bad=$(jq -r 'select((.name | ltrimstr("c") | tonumber) as $i |
	    [.addresses[].ip] != ["127.1.\($i / 256 | floor).\($i % 256)"] or .resolve.ok != true) | .name' <<<"$output")
	[ -z "$bad" ]
}

# ---- probe ---------------------------------------------------------------

@test "--probe: reachable and rttMs per address; only 127.0.0.11 listens" {
	run --separate-stderr res --probe --port "$PORT" --host api.eks.test
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.addresses[] | [.ip, .reachable]]' <<<"$output")" = '[["127.0.0.11",true],["127.0.0.12",false],["127.0.0.13",false],["::1",false]]' ]
	[[ "$(jq -r '.addresses[0].rttMs' <<<"$output")" =~ ^[0-9]+$ ]]
	[ "$(jq -r '.addresses[0].rttMs < 1000' <<<"$output")" = true ]
	[ "$(jq -r '.addresses[1].rttMs' <<<"$output")" = null ]
}

@test "--probe takes the port from the endpoint when --port is absent" {
	in="{\"endpoint\":\"https://api.eks.test:$PORT\"}"
	run --separate-stderr bash -c 'eksl-resolve --server "$1" --state-dir "$2" --probe <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.addresses[0].reachable' <<<"$output")" = true ]
}

@test "--probe with no address answering: exit 5 and an errors[] entry" {
	run --separate-stderr res --probe --port 9 --timeout 300 --host api.eks.test
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: api.eks.test: no address answers on port 9" ]
	[ "$(jq -c '[.addresses[].reachable] | unique' <<<"$output")" = '[false]' ]
	[ "$(jq -c '.errors' <<<"$output")" = '[{"tool":"resolve","code":"tcp","message":"api.eks.test: no address answers on port 9"}]' ]
}

# ---- messages and defaults -------------------------------------------------

@test "-q silences warnings, not errors; -v tells what was saved" {
	in='{"host":"nope.eks.test","controlPlane":[{"privateIp":"10.0.1.10"}]}'
	run --separate-stderr bash -c 'eksl-resolve -q --server "$1" --state-dir "$2" <<<"$3"' sh "$NS" "$ST" "$in"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	run --separate-stderr res -q --host nope.eks.test
	[ "$status" -eq 5 ]
	[ "$stderr" = "eksl-resolve: nope.eks.test: NXDOMAIN; no last-known-good and no controlPlane address" ]
	run --separate-stderr res -v --host api.eks.test
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[0]}" =~ ^eksl-resolve:\ 1\ name\ resolved\ in\ [0-9]+\ ms$ ]]
	[ "${stderr_lines[1]}" = "eksl-resolve: api.eks.test: saved as last-known-good" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
}

@test "the default state dir: \$XDG_STATE_HOME/eksl for a user, /var/lib/eksl for root" {
	# needs real root (not the mapped root of unshare -r) to become nobody
	read -r inside outside count </proc/self/uid_map
	[ "$outside" = 0 ] && [ "$count" = 4294967295 ] ||
	    skip "needs root to switch to an unprivileged user"
	# nobody cannot enter bats' private temp dir: use one of its own
	home=$(mktemp -d "${TMPDIR:-/tmp}/eksl-resolve-home.XXXXXX")
	echo "$home" >"$BATS_TEST_TMPDIR/home.path"
	chown 65534:65534 "$home"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env HOME="$home" XDG_STATE_HOME="$home/xdg" "$EKSL_BIN/eksl-resolve" --server "$NS" --host api.eks.test
	[ "$status" -eq 0 ]
	[ -f "$home/xdg/eksl/resolve.jsonl" ]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env -u XDG_STATE_HOME HOME="$home" "$EKSL_BIN/eksl-resolve" --server "$NS" --host api.eks.test
	[ "$status" -eq 0 ]
	[ -f "$home/.local/state/eksl/resolve.jsonl" ]
	# root: /var/lib/eksl, on a private tmpfs so the real one is untouched
	run --separate-stderr unshare -m sh -c 'mount -t tmpfs tmpfs /var/lib &&
	    eksl-resolve --server "$1" --host api.eks.test >/dev/null &&
	    cat /var/lib/eksl/resolve.jsonl' sh "$NS"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.addresses[].ip]' <<<"$output")" = "$API4" ]
}

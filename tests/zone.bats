#!/usr/bin/env bats
# eksl-zone: the data real DNS servers load.  Every zone passes
# named-checkzone, kzonecheck and ldns-read-zone; nsd, knot, unbound and
# dnsmasq serve what it writes on a loopback port and dig checks the
# answers; files change only when the data does.

load lib/common

FIX="$BATS_TEST_DIRNAME/fixtures/zone"
H1=abc.gr7.us-west-2.eks.amazonaws.com
H2=def.gr7.us-west-2.eks.amazonaws.com
PIDS=

setup() {
	D="$BATS_TEST_TMPDIR"
	PORT=$((20000 + RANDOM % 30000))
}

teardown() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# rec HOST IP...: one record line.
rec() {
	local host=$1 a= ip
	shift
	for ip in "$@"; do
		a="$a${a:+,}{\"ip\":\"$ip\",\"source\":\"dns\"}"
	done
	printf '{"schema":"eksl.cluster.v1","host":"%s","addresses":[%s]}\n' \
	    "$host" "$a"
}

# serial FILE: the SOA serial in a zone file we wrote.
serial() {
	awk '$4 == "SOA" { print $7; exit }' "$1"
}

# wait_dns PORT: until a server answers on 127.0.0.1 PORT (10 s at most).
wait_dns() {
	local i
	for i in $(seq 100); do
		dig +tries=1 +time=1 @127.0.0.1 -p "$1" . SOA >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	echo "no DNS server on port $1" >&2
	return 1
}

# answers PORT NAME TYPE: the sorted answers, one line.
answers() {
	dig +short +tries=2 +time=1 @127.0.0.1 -p "$1" "$2" "$3" | sort |
	    tr '\n' ' ' | sed 's/ $//'
}

start_nsd() {	# start_nsd INCLUDE
	cat >"$D/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$PORT
	zonesdir: "$D"
	pidfile: "$D/nsd.pid"
	username: ""
	database: ""
	logfile: "$D/nsd.log"
	xfrdfile: "$D/xfrd.state"
	zonelistfile: "$D/zone.list"
	chroot: ""
	server-count: 1
remote-control:
	control-enable: no
include: "$1"
EOF
	nsd -d -c "$D/nsd.conf" >"$D/nsd.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_dns "$PORT"
}

start_knot() {	# start_knot INCLUDE
	mkdir -p "$D/knot"
	cat >"$D/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$PORT
    rundir: "$D/knot"
database:
    storage: "$D/knot"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$D/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
include: "$1"
EOF
	knotd -c "$D/knot.conf" >"$D/knot.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_dns "$PORT"
}

start_unbound() {	# start_unbound EXTRA-CONFIG
	cat >"$D/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$PORT
	port: $PORT
	username: ""
	chroot: ""
	directory: "$D"
	pidfile: ""
	use-syslog: no
	do-daemonize: no
	module-config: "respip iterator"
	do-not-query-localhost: yes
$1
EOF
	unbound-checkconf "$D/unbound.conf" >/dev/null
	unbound -d -c "$D/unbound.conf" >"$D/unbound.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_dns "$PORT"
}

start_dnsmasq() {	# start_dnsmasq ARG...
	dnsmasq --port "$PORT" --listen-address=127.0.0.1 --bind-interfaces \
	    --no-resolv --no-hosts --keep-in-foreground --user=root \
	    --pid-file= --log-facility=- "$@" >"$D/dnsmasq.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_dns "$PORT"
}

# --- the command line -------------------------------------------------

@test "--help prints the usage on stdout, matching the man page synopsis" {
	run --separate-stderr eksl-zone --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: eksl-zone --format zone|unbound|dnsmasq|hosts|rpz [--out FILE | --out-dir DIR]" ]
	[[ "$output" == *"[--server-conf nsd|knot|bind] [--reload COMMAND] [-v] [-q]"* ]]
	[ -z "$stderr" ]
	# the SYNOPSIS lists the same options
	for o in format out out-dir origin ttl ns contact server-conf reload; do
		grep -q "^\.Op Fl \?-\?$o\|Fl -$o" "$EKSL_TOP/man/eksl-zone.1"
	done
}

@test "--version names the program" {
	run --separate-stderr eksl-zone --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^eksl-zone\ \(eksl\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "usage errors exit 2 with the reason and the usage on stderr" {
	local -a cases=(
	    "|--format is required"
	    "--format bind|--format bind: not zone, unbound, dnsmasq, hosts or rpz"
	    "--format zone --out a --out-dir b|--out and --out-dir exclude each other"
	    "--format zone --ttl -1|--ttl -1: not a number of seconds from 0 to 2147483647"
	    "--format zone --ttl 2147483648|--ttl 2147483648: not a number of seconds from 0 to 2147483647"
	    "--format zone --ttl 6x|--ttl 6x: not a number of seconds from 0 to 2147483647"
	    "--format zone --server-conf pdns|--server-conf pdns: not nsd, knot or bind"
	    "--format zone --out f --server-conf nsd|--server-conf needs --format zone and --out-dir"
	    "--format unbound --out-dir d --server-conf nsd|--server-conf needs --format zone and --out-dir"
	    "--format zone --out-dir 'a\"b' --server-conf bind|--out-dir a\"b: cannot be quoted in a bind configuration"
	    "--format zone --reload true|--reload needs --out or --out-dir"
	    "--format zone extra|extra: unexpected argument"
	    "--format zone --origin a_b.example|--origin a_b.example: not a valid zone name"
	    "--format zone --ns ns..example|--ns ns..example: not a valid host name"
	    "--format zone --contact a@b@c|--contact a@b@c: not a valid e-mail address"
	    "--format zone --contact a\ b@example.com|--contact a b@example.com: not a valid e-mail address"
	)
	local c args want
	for c in "${cases[@]}"; do
		args=${c%%|*} want=${c#*|}
		# shellcheck disable=SC2086
		eval "set -- $args"
		run --separate-stderr eksl-zone "$@" </dev/null
		[ "$status" -eq 2 ] || { echo "$args: status $status"; false; }
		[ "${stderr_lines[0]}" = "eksl-zone: $want" ] ||
		    { echo "$args: ${stderr_lines[0]}"; false; }
		[[ "${stderr_lines[1]}" == usage:* ]]
		[ -z "$output" ]
	done
	run --separate-stderr eksl-zone --format zone --no-such-option
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"unrecognized option"* ]]
}

# --- what the formats hold, checked by the validators ------------------

@test "every zone output passes named-checkzone, kzonecheck and ldns-read-zone" {
	local -a variants=(
	    "$H1|"
	    "$H1|--ttl 300 --ns ns1.example.net --contact first.last@example.com"
	    "$H1|--ns $H1"
	    "gr7.us-west-2.eks.amazonaws.com|--origin gr7.us-west-2.eks.amazonaws.com -q"
	    "rpz.eksl|--format rpz"
	    "policy.example|--format rpz --origin policy.example --ttl 30"
	)
	local v zone args
	for v in "${variants[@]}"; do
		zone=${v%%|*} args=${v#*|}
		case $args in
		*--origin*|*rpz*) input=$(cat "$FIX/records.jsonl") ;;
		*) input=$(rec "$H1" 127.0.0.11 127.0.0.12 fd00::11) ;;
		esac
		[[ "$args" == *--format* ]] || args="--format zone $args"
		# shellcheck disable=SC2086
		eksl-zone $args <<<"$input" >"$D/z"
		named-checkzone -q "$zone" "$D/z" ||
		    { named-checkzone "$zone" "$D/z"; false; }
		kzonecheck -o "$zone" "$D/z"
		ldns-read-zone "$D/z" >/dev/null
	done
}

@test "the zone holds \$TTL, SOA with local timers, NS and sorted A/AAAA" {
	run --separate-stderr eksl-zone --format zone --contact dns.admin@Example.NET \
	    <<<"$(rec ABC.gr7.us-west-2.eks.amazonaws.com. fd00::1 127.0.0.12 127.0.0.11 127.0.0.12)"
	[ "$status" -eq 0 ]
	today=$(date -u +%Y%m%d)
	[ "${lines[1]}" = "\$TTL 60" ]
	y=$(date -u -d yesterday +%Y%m%d)
	re="^$H1\.	60	IN	SOA	localhost\. dns\\\\\.admin\.example\.net\. ($today|$y)00 3600 600 1209600 60\$"
	[[ "${lines[2]}" =~ $re ]] || { echo "${lines[2]}"; false; }
	[ "${lines[3]}" = "$H1.	60	IN	NS	localhost." ]
	[ "${lines[4]}" = "$H1.	60	IN	A	127.0.0.11" ]
	[ "${lines[5]}" = "$H1.	60	IN	A	127.0.0.12" ]
	[ "${lines[6]}" = "$H1.	60	IN	AAAA	fd00::1" ]
	[ "${#lines[@]}" -eq 7 ]
	[ -z "$stderr" ]
}

@test "without --out the data goes to stdout and no record is printed" {
	run --separate-stderr eksl-zone --format hosts <"$FIX/records.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "# generated by eksl-zone; edits are replaced
127.0.0.11	$H1
127.0.0.12	$H1
::1	$H1
127.0.0.13	$H2" ]
}

# --- real servers -----------------------------------------------------

@test "nsd serves the --out-dir zones through the --server-conf nsd include" {
	run --separate-stderr eksl-zone --format zone --out-dir "$D/z" --server-conf nsd \
	    <"$FIX/records.jsonl"
	[ "$status" -eq 0 ]
	[ -f "$D/z/$H1.zone" ] && [ -f "$D/z/$H2.zone" ]
	grep -q "zonefile: \"$D/z/$H1.zone\"" "$D/z/eksl-nsd.conf"
	nsd-checkconf "$D/z/eksl-nsd.conf"
	start_nsd "$D/z/eksl-nsd.conf"
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H1" AAAA)" = "::1" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
	[ "$(answers "$PORT" "$H2" AAAA)" = "" ]
	# authoritative for the host only: a sibling name is not ours
	run dig +tries=1 +time=1 @127.0.0.1 -p "$PORT" "x.$H1" A
	[[ "$output" == *"status: NXDOMAIN"* ]]
	[[ "$output" == *" aa "* ]]
	run dig +tries=1 +time=1 @127.0.0.1 -p "$PORT" "other.gr7.us-west-2.eks.amazonaws.com" A
	[[ "$output" == *"status: REFUSED"* ]]
}

@test "knot serves the --out-dir zones through the --server-conf knot include, with --ttl" {
	eksl-zone --format zone --out-dir "$D/z" --server-conf knot --ttl 120 \
	    <"$FIX/records.jsonl" >/dev/null
	start_knot "$D/z/eksl-knot.conf"
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
	run dig +noall +answer @127.0.0.1 -p "$PORT" "$H2" A
	[[ "$output" =~ $H2\.[[:space:]]+120[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.13 ]]
}

@test "named-checkconf -z loads the --server-conf bind include" {
	eksl-zone --format zone --out-dir "$D/z" --server-conf bind \
	    <"$FIX/records.jsonl" >/dev/null
	grep -q "zone \"$H1.\" {" "$D/z/eksl-bind.conf"
	printf 'options { directory "%s"; };\ninclude "%s";\n' "$D" \
	    "$D/z/eksl-bind.conf" >"$D/named.conf"
	run named-checkconf -z "$D/named.conf"
	[ "$status" -eq 0 ]
	[[ "$output" == *"zone $H1/IN: loaded serial"* ]]
	[[ "$output" == *"zone $H2/IN: loaded serial"* ]]
}

@test "--origin: one zone for several hosts, served by nsd, with --ns and --contact in the SOA" {
	eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com -q \
	    --ns ns.example.net --contact hostmaster@example.net \
	    --out-dir "$D/z" --server-conf nsd <"$FIX/records.jsonl" >/dev/null
	[ "$(ls "$D/z")" = "eksl-nsd.conf
gr7.us-west-2.eks.amazonaws.com.zone" ]
	start_nsd "$D/z/eksl-nsd.conf"
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
	[[ "$(answers "$PORT" gr7.us-west-2.eks.amazonaws.com SOA)" == "ns.example.net. hostmaster.example.net. "* ]]
	[ "$(answers "$PORT" gr7.us-west-2.eks.amazonaws.com NS)" = "ns.example.net." ]
}

@test "an --origin that is a public parent is served but warned about" {
	run --separate-stderr eksl-zone --format zone --origin eks.amazonaws.com \
	    --out "$D/eks.zone" <"$FIX/records.jsonl"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "eksl-zone: --origin eks.amazonaws.com: a public parent zone: a server authoritative for it answers NXDOMAIN for every other name under it" ]
	named-checkzone -q eks.amazonaws.com "$D/eks.zone"
	run --separate-stderr eksl-zone --format zone --origin amazonaws.com -q <"$FIX/records.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "unbound serves the unbound output" {
	eksl-zone --format unbound --out "$D/eksl.conf" <"$FIX/records.jsonl" >/dev/null
	start_unbound "include: \"$D/eksl.conf\""
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H1" AAAA)" = "::1" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
	run dig +tries=1 +time=1 @127.0.0.1 -p "$PORT" "$H2" AAAA
	[[ "$output" == *"status: NOERROR"* ]]
}

@test "unbound's rpz module serves the rpz output" {
	eksl-zone --format rpz --out "$D/rpz.zone" <"$FIX/records.jsonl" >/dev/null
	start_unbound "rpz:
	name: rpz.eksl.
	zonefile: \"$D/rpz.zone\""
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H1" AAAA)" = "::1" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
}

@test "dnsmasq --test accepts the dnsmasq output and dnsmasq answers with our TTL" {
	eksl-zone --format dnsmasq --out "$D/eksl.conf" --ttl 90 <"$FIX/records.jsonl" >/dev/null
	run dnsmasq --test --conf-file="$D/eksl.conf"
	[ "$status" -eq 0 ]
	[[ "$output" == *"syntax check OK"* ]]
	start_dnsmasq --conf-file="$D/eksl.conf"
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H1" AAAA)" = "::1" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
	run dig +noall +answer @127.0.0.1 -p "$PORT" "$H2" A
	[[ "$output" =~ [[:space:]]90[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.13 ]]
}

@test "dnsmasq answers from the hosts output (addn-hosts)" {
	eksl-zone --format hosts --out "$D/eksl.hosts" <"$FIX/records.jsonl" >/dev/null
	start_dnsmasq --conf-file=/dev/null --addn-hosts="$D/eksl.hosts" --local-ttl=60
	[ "$(answers "$PORT" "$H1" A)" = "127.0.0.11 127.0.0.12" ]
	[ "$(answers "$PORT" "$H2" A)" = "127.0.0.13" ]
}

@test "eksl-resolve resolves the endpoint from the zone nsd serves" {
	[ -x "$EKSL_BIN/eksl-resolve" ] || skip "eksl-resolve not built"
	eksl-zone --format zone --out-dir "$D/z" --server-conf nsd \
	    <"$FIX/records.jsonl" >/dev/null
	start_nsd "$D/z/eksl-nsd.conf"
	run --separate-stderr eksl-resolve --server "127.0.0.1:$PORT" --host "$H1" \
	    --state-dir "$D/state"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.addresses[].ip] | sort | join(" ")' <<<"$output")" = "127.0.0.11 127.0.0.12 ::1" ]
}

# --- files, serials and --reload --------------------------------------

@test "records get zone {file, format, serial, changed}; other fields pass through" {
	run --separate-stderr eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com \
	    -q --out "$D/gr7.zone" <"$FIX/records.jsonl"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	s=$(serial "$D/gr7.zone")
	[ "$(jq -c .zone <<<"${lines[0]}")" = "{\"file\":\"$D/gr7.zone\",\"format\":\"zone\",\"serial\":$s,\"changed\":true}" ]
	[ "$(jq -c .custom <<<"${lines[0]}")" = '{"kept":true}' ]
	[ "$(jq -r .host <<<"${lines[1]}")" = "$H2" ]
	[ "$(jq -r .errors <<<"${lines[1]}")" = null ]
	run --separate-stderr eksl-zone --format hosts --out "$D/h" <"$FIX/records.jsonl"
	[ "$(jq -c .zone <<<"${lines[0]}")" = "{\"file\":\"$D/h\",\"format\":\"hosts\",\"serial\":null,\"changed\":true}" ]
}

@test "same input twice: same file, same serial, no write, no reload; a change: higher serial, one reload" {
	reload="echo run >>'$D/reloads'"
	in1=$(rec "$H1" 127.0.0.11 127.0.0.12)
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" --reload "$reload" <<<"$in1"
	[ "$status" -eq 0 ]
	s1=$(jq .zone.serial <<<"$output")
	[ "$s1" = "$(serial "$D/a.zone")" ]
	[ "$(wc -l <"$D/reloads")" -eq 1 ]
	before=$(stat -c '%i %Y.%y' "$D/a.zone")
	sum=$(cksum <"$D/a.zone")
	sleep 1
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" --reload "$reload" -v <<<"$in1"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.zone.serial, .zone.changed]' <<<"$output")" = "[$s1,false]" ]
	[ "$stderr" = "eksl-zone: $D/a.zone: unchanged, serial $s1" ]
	[ "$(stat -c '%i %Y.%y' "$D/a.zone")" = "$before" ]
	[ "$(cksum <"$D/a.zone")" = "$sum" ]
	[ "$(wc -l <"$D/reloads")" -eq 1 ]
	# the order of addresses is not a change
	run eksl-zone --format zone --out "$D/a.zone" --reload "$reload" \
	    <<<"$(rec "$H1" 127.0.0.12 127.0.0.11 127.0.0.12)"
	[ "$(jq .zone.changed <<<"$output")" = false ]
	[ "$(wc -l <"$D/reloads")" -eq 1 ]
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" --reload "$reload" -v \
	    <<<"$(rec "$H1" 127.0.0.11 127.0.0.13)"
	[ "$status" -eq 0 ]
	s2=$(jq .zone.serial <<<"$output")
	[ "$s2" -gt "$s1" ]
	[ "$s2" = "$(serial "$D/a.zone")" ]
	[ "$(jq .zone.changed <<<"$output")" = true ]
	[ "$stderr" = "eksl-zone: $D/a.zone: written, serial $s2" ]
	[ "$(wc -l <"$D/reloads")" -eq 2 ]
	grep -q "A	127.0.0.13" "$D/a.zone"
}

@test "150 changes in a day keep the serial strictly increasing" {
	local i prev=0 s line
	# one fork per run: this loop is the slow part of the file
	for ((i = 1; i <= 150; i++)); do
		eksl-zone --format zone --out "$D/a.zone" -q >"$D/out" \
		    <<<"{\"host\":\"$H1\",\"addresses\":[{\"ip\":\"10.0.$((i / 256)).$((i % 256))\"}]}"
		read -r line <"$D/out"
		[[ "$line" =~ \"serial\":([0-9]+),\"changed\":true ]] ||
		    { echo "run $i: $line"; false; }
		s=${BASH_REMATCH[1]}
		[ "$s" -gt "$prev" ] || { echo "run $i: $s after $prev"; false; }
		prev=$s
	done
	[ "$(serial "$D/a.zone")" = "$s" ]
	first=$(( $(date -u +%Y%m%d) * 100 ))
	# nn runs past 99 into the next "day" number: still greater
	[ "$s" -ge "$((first + 149))" ]
	named-checkzone -q "$H1" "$D/a.zone"
}

@test "the serial of a hand-written zone is read back with ldns and exceeded" {
	cp "$FIX/handwritten.zone" "$D/a.zone"
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" <<<"$(rec "$H1" 127.0.0.11)"
	[ "$status" -eq 0 ]
	today=$(( $(date -u +%Y%m%d) * 100 ))
	[ "$(serial "$D/a.zone")" -ge "$today" ]
	# a serial ahead of today (or far ahead, RFC 1982) gets + 1
	sed 's/2026010105/4294967000/' "$FIX/handwritten.zone" >"$D/b.zone"
	eksl-zone --format zone --out "$D/b.zone" <<<"$(rec "$H1" 127.0.0.11)" >/dev/null
	# 4294967000 + 1 unless today is greater in RFC 1982 terms
	s=$(serial "$D/b.zone")
	[ "$s" = 4294967001 ] || [ "$s" = "$today" ]
	named-checkzone -q "$H1" "$D/b.zone"
}

@test "--reload that fails: exit 1, reported, the new file stays" {
	eksl-zone --format zone --out "$D/a.zone" <<<"$(rec "$H1" 127.0.0.11)" >/dev/null
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" \
	    --reload 'echo reloading; exit 7' <<<"$(rec "$H1" 127.0.0.12)"
	[ "$status" -eq 1 ]
	# the command's output goes to stderr: stdout carries records only
	[ "${stderr_lines[0]}" = reloading ]
	[ "${stderr_lines[1]}" = "eksl-zone: --reload: echo reloading; exit 7: exited with status 7" ]
	[ "$(jq -c '.errors[0] | [.tool, .code]' <<<"$output")" = '["eksl-zone","reload"]' ]
	[ "$(jq .zone.changed <<<"$output")" = true ]
	grep -q "A	127.0.0.12" "$D/a.zone"
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" \
	    --reload 'kill -9 $$' <<<"$(rec "$H1" 127.0.0.13)"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "eksl-zone: --reload: kill -9 \$\$: killed by signal 9" ]
}

@test "--out-dir writes one file per zone, for every format" {
	for f in zone unbound dnsmasq hosts rpz; do
		eksl-zone --format $f --out-dir "$D/$f" <"$FIX/records.jsonl" >/dev/null
	done
	[ "$(ls "$D/zone")" = "$H1.zone
$H2.zone" ]
	[ "$(ls "$D/unbound")" = "$H1.conf
$H2.conf" ]
	[ "$(ls "$D/dnsmasq")" = "$H1.conf
$H2.conf" ]
	[ "$(ls "$D/hosts")" = "$H1.hosts
$H2.hosts" ]
	[ "$(ls "$D/rpz")" = "rpz.eksl.zone" ]
	[ "$(stat -c %a "$D/zone/$H1.zone")" = 644 ]
	cat "$D"/dnsmasq/*.conf >"$D/all.conf"
	dnsmasq --test --conf-file="$D/all.conf"
}

# --- records without addresses ----------------------------------------

@test "a record with no addresses keeps what the file says: warn, exit 1, never empty" {
	for f in zone rpz unbound dnsmasq hosts; do
		eksl-zone --format $f --out "$D/a.$f" <<<"$(rec "$H1" 127.0.0.11 fd00::1)" >/dev/null
		sum=$(cksum <"$D/a.$f")
		run --separate-stderr eksl-zone --format $f --out "$D/a.$f" \
		    <<<"{\"host\":\"$H1\",\"addresses\":[]}"
		[ "$status" -eq 1 ] || { echo "$f: $status"; false; }
		[ "$stderr" = "eksl-zone: $H1: no addresses; kept 2 from $D/a.$f" ]
		[ "$(jq -c '.errors[0] | [.code, .message]' <<<"$output")" = "[\"noaddr\",\"$H1: no addresses; kept 2 from $D/a.$f\"]" ]
		[ "$(jq .zone.changed <<<"$output")" = false ]
		[ "$(cksum <"$D/a.$f")" = "$sum" ]
	done
	# with other hosts that change, the kept host stays in the zone
	run --separate-stderr eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com -q \
	    --out "$D/g.zone" <"$FIX/records.jsonl"
	run --separate-stderr eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com -q \
	    --out "$D/g.zone" <<<"{\"host\":\"$H1\"}
$(rec "$H2" 127.0.0.14)"
	[ "$status" -eq 1 ]
	[ "$(grep -c "^$H1.	60	IN	A	" "$D/g.zone")" -eq 2 ]
	grep -q "^$H2.	60	IN	A	127.0.0.14" "$D/g.zone"
	named-checkzone -q gr7.us-west-2.eks.amazonaws.com "$D/g.zone"
}

@test "a record with no addresses and no file: left out, nothing written, exit 1" {
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" <<<"{\"host\":\"$H1\"}"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-zone: $H1: no addresses and none in $D/a.zone; left out" ]
	[ ! -e "$D/a.zone" ]
	[ "$(jq -c .zone <<<"$output")" = "{\"file\":\"$D/a.zone\",\"format\":\"zone\",\"serial\":null,\"changed\":false}" ]
	run --separate-stderr eksl-zone --format zone <<<"{\"host\":\"$H1\",\"addresses\":[]}"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-zone: $H1: no addresses; left out" ]
	[ -z "$output" ]
	run --separate-stderr eksl-zone -q --format zone <<<"{\"host\":\"$H1\",\"addresses\":[]}"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
}

# --- bad input: exit 3, nothing written -------------------------------

@test "invalid host names or addresses: exit 3, nothing written, the record says why" {
	eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com -q \
	    --out "$D/g.zone" <"$FIX/records.jsonl" >/dev/null
	sum=$(cksum <"$D/g.zone")
	local -a cases=(
	    "$(rec bad_name.gr7.us-west-2.eks.amazonaws.com 127.0.0.1)|bad_name.gr7.us-west-2.eks.amazonaws.com: not a valid host name"
	    "$(rec "$H2" 127.0.0.300)|$H2: 127.0.0.300: not an IPv4 or IPv6 address"
	    "$(rec "$H2" fd00::1::2)|$H2: fd00::1::2: not an IPv4 or IPv6 address"
	    "$(rec other.example.com 127.0.0.1)|other.example.com: not under --origin gr7.us-west-2.eks.amazonaws.com"
	    "{\"host\":\"$H2\",\"addresses\":\"127.0.0.1\"}|$H2: addresses: not an array"
	    "{\"host\":\"$H2\",\"addresses\":[{\"addr\":\"127.0.0.1\"}]}|$H2: addresses[0]: no ip"
	    "$(rec "$H2" $(seq -f 10.0.0.%g 1 65))|$H2: addresses: more than 64"
	    "{\"name\":\"x\"}|stdin: record 2: no host or endpoint"
	)
	local c input want
	for c in "${cases[@]}"; do
		input=${c%%|*} want=${c#*|}
		run --separate-stderr eksl-zone --format zone --origin gr7.us-west-2.eks.amazonaws.com \
		    --out "$D/g.zone" -q <<<"$(rec "$H1" 127.0.0.99)
$input"
		[ "$status" -eq 3 ] || { echo "$input: $status"; false; }
		[ "$stderr" = "eksl-zone: $want" ] || { echo "$stderr"; false; }
		[ "${#lines[@]}" -eq 2 ]
		[ "$(jq -c '.errors[0] | [.code, .message]' <<<"${lines[1]}")" = "[\"input\",\"$(sed 's/"/\\"/g' <<<"$want")\"]" ]
		[ "$(jq -c .zone <<<"${lines[0]}")" = null ]
		[ "$(cksum <"$D/g.zone")" = "$sum" ]
	done
}

@test "bad JSON: exit 3 with line:column, nothing written" {
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" <<<"$(rec "$H1" 127.0.0.11)
{\"host\": }"
	[ "$status" -eq 3 ]
	[[ "${stderr_lines[0]}" =~ ^eksl-zone:\ stdin:2:[0-9]+:\  ]]
	[ ! -e "$D/a.zone" ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "several zones into one --out file or stdout: exit 3 (use --origin or --out-dir)" {
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" <"$FIX/records.jsonl"
	[ "$status" -eq 3 ]
	[ "$stderr" = "eksl-zone: $D/a.zone: one zone file cannot hold 2 zones; use --origin or --out-dir" ]
	[ ! -e "$D/a.zone" ]
	run --separate-stderr eksl-zone --format zone <"$FIX/records.jsonl"
	[ "$status" -eq 3 ]
	[ "$stderr" = "eksl-zone: stdout: one zone cannot hold 2 zones; use --origin or --out-dir" ]
	[ -z "$output" ]
}

@test "an --ns inside the zone must be one of its hosts: exit 3" {
	run --separate-stderr eksl-zone --format zone --ns "ns.$H1" <<<"$(rec "$H1" 127.0.0.11)"
	[ "$status" -eq 3 ]
	[ "$stderr" = "eksl-zone: --ns ns.$H1: inside zone $H1 but not one of its hosts, so it has no address" ]
	run --separate-stderr eksl-zone --format zone --ns "$H1" <<<"$(rec "$H1" 127.0.0.11)"
	[ "$status" -eq 0 ]
	[[ "$output" == *"NS	$H1."* ]]
}

@test "an existing file that is not a zone is left alone: exit 3" {
	echo "garbage here" >"$D/a.zone"
	run --separate-stderr eksl-zone --format zone --out "$D/a.zone" <<<"$(rec "$H1" 127.0.0.11)"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "eksl-zone: $D/a.zone"*": not a zone file: "* ]]
	[ "$(cat "$D/a.zone")" = "garbage here" ]
	[ "$(jq -r '.errors[0].code' <<<"$output")" = input ]
}

# --- local I/O: exit 6 ------------------------------------------------

@test "a write that fails: exit 6, the old file untouched" {
	eksl-zone --format zone --out "$D/a.zone" <<<"$(rec "$H1" 127.0.0.11)" >/dev/null
	sum=$(cksum <"$D/a.zone")
	EKSL_FAULT=rename:1:EIO run --separate-stderr eksl-zone --format zone \
	    --out "$D/a.zone" --reload "echo x >>'$D/reloads'" <<<"$(rec "$H1" 127.0.0.12)"
	[ "$status" -eq 6 ]
	[[ "$stderr" == "eksl-zone: $D/a.zone"*"Input/output error"* ]]
	[ "$(cksum <"$D/a.zone")" = "$sum" ]
	[ ! -e "$D/reloads" ]
	[ "$(jq -r '.errors[0].code' <<<"$output")" = io ]
	run --separate-stderr eksl-zone --format zone --out "$D/no/such/dir/a.zone" \
	    <<<"$(rec "$H1" 127.0.0.12)"
	[ "$status" -eq 6 ]
	[[ "$stderr" == "eksl-zone: $D/no/such/dir/a.zone"* ]]
}

@test "an --out-dir that cannot be made, or a full stdout: exit 6" {
	touch "$D/file"
	run --separate-stderr eksl-zone --format zone --out-dir "$D/file/sub" <"$FIX/records.jsonl"
	[ "$status" -eq 6 ]
	[[ "$stderr" == "eksl-zone: $D/file/sub"*"Not a directory" ]]
	[ -z "$output" ]
	run --separate-stderr bash -c 'eksl-zone --format hosts <"$1" >/dev/full' _ "$FIX/records.jsonl"
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-zone: stdout: No space left on device" ]
	run --separate-stderr bash -c 'eksl-zone --format hosts --out "$2" <"$1" >/dev/full' _ \
	    "$FIX/records.jsonl" "$D/h"
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-zone: stdout: No space left on device" ]
	[ -f "$D/h" ]
}

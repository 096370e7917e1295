#!/usr/bin/env bats
# lib/http, the AWS transport's HTTP/1.1 client, through the awscall test
# driver: against a small loopback server (tests/http_standin.py) for the
# answers moto never gives, moto itself, TLS with certificates made here,
# and Debian's tinyproxy for proxies.

load lib/common
load lib/moto

# standin NAME [--host H] [--cert C --key K]: start a stand-in server;
# sets NAME_PORT and NAME_LOG (its request log: "CONN METHOD TARGET").
standin() {
	local name=$1 dir=$BATS_FILE_TMPDIR i
	shift
	rm -f "$dir/$name.port"
	: >"$dir/$name.log"
	python3 "$EKSL_TOP/tests/http_standin.py" --port-file "$dir/$name.port" \
	    --log "$dir/$name.log" --parent $$ "$@" \
	    >"$dir/$name.out" 2>&1 </dev/null 3>&- &
	echo $! >"$dir/$name.pid"
	for i in $(seq 1 200); do
		[ -s "$dir/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$dir/$name.port" ] || { cat "$dir/$name.out" >&2; return 1; }
}

port_of() { cat "$BATS_FILE_TMPDIR/$1.port"; }

awscall() {
	"$EKSL_BUILD/tools/awscall" "$@"
}

# tls_material: a CA, a server certificate for 127.0.0.1 and
# good.example, and an unrelated CA, in $BATS_FILE_TMPDIR/tls.
tls_material() {
	local d=$BATS_FILE_TMPDIR/tls
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -subj /CN=test-ca \
	    -days 3650 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$d/other.key" -out "$d/other.pem" \
	    -subj /CN=other-ca -days 3650 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=good.example \
	    2>/dev/null
	printf 'subjectAltName=DNS:good.example,IP:127.0.0.1\n' >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -out "$d/srv.pem" -days 3650 -extfile "$d/ext" \
	    2>/dev/null
}

setup_file() {
	export EKSL_TOP=${EKSL_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	moto_start
	tls_material
	standin plain
	standin tls --cert "$BATS_FILE_TMPDIR/tls/srv.pem" \
	    --key "$BATS_FILE_TMPDIR/tls/srv.key"
	if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
		standin v6 --host ::1
	fi
}

teardown_file() {
	local n
	for n in plain tls v6; do
		if [ -s "$BATS_FILE_TMPDIR/$n.pid" ]; then
			kill "$(cat "$BATS_FILE_TMPDIR/$n.pid")" 2>/dev/null || :
		fi
	done
	if [ -s "$BATS_FILE_TMPDIR/tinyproxy.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/tinyproxy.pid")" 2>/dev/null || :
	fi
	moto_stop
}

setup() {
	moto_reset
	moto_env
	unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY
	export EKSL_AWS_RETRY_BASE_MS=1
	PLAIN=http://127.0.0.1:$(port_of plain)
	TLS=https://127.0.0.1:$(port_of tls)
	: >"$BATS_FILE_TMPDIR/plain.log"
	: >"$BATS_FILE_TMPDIR/tls.log"
}

# get URL PATH [awscall options]: a REST-JSON GET of PATH at URL.
get() {
	local url=$1 path=$2
	shift 2
	run --separate-stderr awscall --endpoint-url "$url" "$@" \
	    --service eks --method GET --path "$path"
}

# conns LOG: the connection of each request since the test began, one
# line, connections numbered from 1 in the order they appear.
conns() {
	awk '!($1 in n) { n[$1] = ++k } { printf "%s%d", sep, n[$1]; sep = " " }
	    END { print "" }' "$BATS_FILE_TMPDIR/$1.log"
}

# firstreq LOG: the first request of the test, without its connection.
firstreq() {
	head -1 "$BATS_FILE_TMPDIR/$1.log" | cut -d' ' -f2-
}

@test "http: keep-alive: three attempts go over one connection" {
	get "$PLAIN" /flaky/2 -v
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(conns plain)" "1 1 1"
	[[ $stderr == *"eks /flaky/2: HTTP 503"* ]]
}

@test "http: a stale pooled connection is replaced once, transparently" {
	get "$PLAIN" /stale
	assert_success
	assert_output '{"ok":true}'
	# attempt 1 on connection 1, attempt 2 sent there (read, closed
	# unanswered) and again on connection 2.
	assert_equal "$(conns plain)" "1 1 2"
}

@test "http: a chunked answer with extensions and a trailer" {
	get "$PLAIN" /chunked
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$stderr" ""
}

@test "http: Connection: close is honoured (the retry opens anew)" {
	# The server leaves the connection open: reusing it would work, so
	# only the header tells the client not to.
	get "$PLAIN" /closehint/1
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(conns plain)" "1 2"
}

@test "http: an HTTP/1.0 answer without keep-alive is not reused" {
	get "$PLAIN" /http10/1
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(conns plain)" "1 2"
}

@test "http: a close after a full answer (Connection: close)" {
	get "$PLAIN" /close
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(firstreq plain)" "GET /close"
}

@test "http: a body that runs to the close" {
	get "$PLAIN" /eof
	assert_success
	assert_output '{"ok":true}'
}

@test "http: over TLS, a body that runs to close_notify is read; a bare TCP close is a ConnectionError" {
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	get "$TLS" /eof
	assert_success
	assert_output '{"ok":true}'
	# Plain HTTP has no way to tell a cut: the close ends the body.
	get "$PLAIN" /eof-cut
	assert_success
	assert_output '{"ok":true}'
	: >"$BATS_FILE_TMPDIR/tls.log"
	get "$TLS" /eof-cut
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectionError: 127\.0\.0\.1:[0-9]+: the answer ended without TLS close_notify and may be cut short \(11 bytes\) \(3 attempts\)$'
	assert_equal "$(conns tls)" "1 2 3"
}

@test "http: a cut answer is a ConnectionError, retried (3 attempts)" {
	get "$PLAIN" /truncated
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectionError: 127\.0\.0\.1:[0-9]+: the answer was cut short \(10 of 100 bytes\) \(3 attempts\)$'
	assert_equal "$(conns plain)" "1 2 3"
}

@test "http: a stalled server is a Timeout within the total timeout" {
	export AWS_MAX_ATTEMPTS=1
	start=$(date +%s%N)
	get "$PLAIN" /stall --timeout 400
	end=$(date +%s%N)
	assert_failure 5
	assert_regex "$stderr" '^awscall: Timeout: 127\.0\.0\.1:[0-9]+: receive: timed out after [0-9]+ ms \(1 attempt\)$'
	[ $(( (end - start) / 1000000 )) -lt 1500 ]
}

@test "http: an answer of 16 MiB + 1 is AnswerTooLarge, not retried" {
	get "$PLAIN" /big/16777217
	assert_failure 6
	assert_regex "$stderr" '^awscall: AnswerTooLarge: 127\.0\.0\.1:[0-9]+: the answer is too large \(16777217 bytes; over 16 MiB\) \(1 attempt\)$'
	get "$PLAIN" /bigeof/16777217
	assert_failure 6
	assert_regex "$stderr" '^awscall: AnswerTooLarge: 127\.0\.0\.1:[0-9]+: the answer is too large \(over 16 MiB\) \(1 attempt\)$'
}

@test "http: an answer of exactly 16 MiB is read" {
	get "$PLAIN" /big/16777216
	assert_failure 4
	assert_regex "$stderr" '^awscall: BadAnswer: eks /big/16777216: the answer is not JSON: .*\(HTTP 200, 1 attempt\)$'
}

@test "http: an IPv6 literal endpoint [::1]" {
	[ -s "$BATS_FILE_TMPDIR/v6.port" ] || skip "no ::1 on lo"
	get "http://[::1]:$(port_of v6)" /ok
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(cut -d' ' -f2- "$BATS_FILE_TMPDIR/v6.log")" "GET /ok"
}

@test "http: concurrent calls (describe) each get an answer from moto" {
	moto_canned c1 '{"sequence":[{"name":"c1","id":"0123","status":"ACTIVE","endpoint":"https://x.example","certificateAuthority":{"data":"QQ=="}}]}'
	run --separate-stderr eksl-provision describe --name c1
	assert_success
	assert_equal "$(jq -r .name <<<"$output")" c1
	# sort -u: moto's first EC2 call can take seconds on a loaded
	# machine, and a timed-out call is asked again.
	run bash -c 'curl -s "$MOTO_URL/_eksl/requests" | jq -r ".[] | .service + \" \" + .action" | sort -u'
	assert_output "$(printf 'ec2 DescribeInstances\nec2 DescribeNetworkInterfaces\neks DescribeCluster')"
}

@test "tls: a server trusted through AWS_CA_BUNDLE" {
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	get "$TLS" /ok
	assert_success
	assert_output '{"ok":true}'
	assert_equal "$(firstreq tls)" "GET /ok"
}

@test "tls: the profile's ca_bundle is used too" {
	mkdir -p "$HOME/.aws"
	printf '[default]\nca_bundle = %s\n' "$BATS_FILE_TMPDIR/tls/ca.pem" \
	    >"$HOME/.aws/config"
	get "$TLS" /ok
	assert_success
	assert_output '{"ok":true}'
}

@test "tls: SSL_CERT_FILE is honoured without a CA bundle" {
	SSL_CERT_FILE=$BATS_FILE_TMPDIR/tls/ca.pem get "$TLS" /ok
	assert_success
	assert_output '{"ok":true}'
}

@test "tls: SSL_CERT_DIR (a hashed directory) is honoured without a CA bundle" {
	mkdir "$BATS_TEST_TMPDIR/certs"
	cp "$BATS_FILE_TMPDIR/tls/ca.pem" "$BATS_TEST_TMPDIR/certs/"
	openssl rehash "$BATS_TEST_TMPDIR/certs"
	SSL_CERT_DIR=$BATS_TEST_TMPDIR/certs get "$TLS" /ok
	assert_success
	assert_output '{"ok":true}'
	# and without the CA in it, the same server is refused
	SSL_CERT_DIR=$BATS_TEST_TMPDIR/empty get "$TLS" /ok
	assert_failure 5
	assert_regex "$stderr" '^awscall: TLSError: .*failed verification.*\(1 attempt\)$'
}

@test "tls: a wrong host name is a TLSError, not retried" {
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	get "https://localhost:$(port_of tls)" /ok
	assert_failure 5
	assert_regex "$stderr" '^awscall: TLSError: localhost:[0-9]+: TLS: the server.s certificate failed verification: [Hh]ostname mismatch \(1 attempt\)$'
	assert_equal "$(cat "$BATS_FILE_TMPDIR/tls.log")" ""
}

@test "tls: an untrusted CA is a TLSError, not retried" {
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/other.pem
	get "$TLS" /ok
	assert_failure 5
	assert_regex "$stderr" '^awscall: TLSError: 127\.0\.0\.1:[0-9]+: TLS: the server.s certificate failed verification: unable to get local issuer certificate \(1 attempt\)$'
}

@test "tls: the system store does not trust a test CA" {
	get "$TLS" /ok
	assert_failure 5
	assert_regex "$stderr" '^awscall: TLSError: .*failed verification.*\(1 attempt\)$'
}

# upload URL: a Query call of 5 MB, more than loopback's socket buffers
# hold (50 arguments of 100 kB: an argument holds 128 KiB at most, and a
# larger stack limit allows 6 MB of them), in a function so that bats
# never prints them.
upload() {
	local big i args=()
	ulimit -s 131072
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	for i in $(seq 1 50); do args+=("K$i=$big"); done
	awscall --endpoint-url "$1" --query sts X 2011-06-15 "${args[@]}"
}

@test "tls: a server that resets during a large upload is a ConnectionError, not SIGPIPE" {
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	run --separate-stderr upload "$TLS/upload"
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectionError: 127\.0\.0\.1:[0-9]+: (send|recv) failure: .*\(3 attempts\)$'
	assert_equal "$(conns tls)" "1 2 3"
}

@test "http: a server that resets during a large upload is a ConnectionError, not SIGPIPE" {
	run --separate-stderr upload "$PLAIN/upload"
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectionError: 127\.0\.0\.1:[0-9]+: (send|recv) failure: .*\(3 attempts\)$'
	assert_equal "$(conns plain)" "1 2 3"
}

@test "tls: plain http loads no CA store (a bad CA bundle does not matter)" {
	export AWS_CA_BUNDLE=/nonexistent/ca.pem
	get "$PLAIN" /ok
	assert_success
	assert_output '{"ok":true}'
}

# tinyproxy_start [BasicAuth USER PASS]: tinyproxy on loopback; sets
# PROXY_PORT and PROXY_LOG.
tinyproxy_start() {
	local d=$BATS_TEST_TMPDIR/tp i
	command -v tinyproxy >/dev/null || skip "tinyproxy is not installed"
	mkdir -p "$d"
	PROXY_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	PROXY_LOG=$d/log
	{
		printf 'Port %s\nListen 127.0.0.1\nTimeout 30\n' "$PROXY_PORT"
		printf 'LogFile "%s"\nLogLevel Connect\n' "$PROXY_LOG"
		printf 'PidFile "%s/pid"\nMaxClients 20\nAllow 127.0.0.1\n' "$d"
		printf 'DisableViaHeader Yes\n'
		[ $# -eq 0 ] || printf 'BasicAuth %s %s\n' "$2" "$3"
	} >"$d/conf"
	tinyproxy -d -c "$d/conf" >"$d/out" 2>&1 </dev/null 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/tinyproxy.pid"
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$d/out" >&2
	return 1
}

tinyproxy_stop() {
	kill "$(cat "$BATS_FILE_TMPDIR/tinyproxy.pid")" 2>/dev/null || :
	wait "$(cat "$BATS_FILE_TMPDIR/tinyproxy.pid")" 2>/dev/null || :
	rm -f "$BATS_FILE_TMPDIR/tinyproxy.pid"
}

@test "proxy: http through http_proxy (absolute-form request)" {
	tinyproxy_start
	unset no_proxy NO_PROXY
	export http_proxy=http://127.0.0.1:$PROXY_PORT
	run --separate-stderr awscall --caller
	tinyproxy_stop
	assert_success
	assert_output 'arn:aws:sts::123456789012:user/moto 123456789012'
	run grep -c "Request (file descriptor [0-9]*): POST $MOTO_URL/ HTTP/1.1" "$PROXY_LOG"
	assert_output 1
	run bash -c 'curl -s --noproxy "*" "$MOTO_URL/_eksl/requests" | jq -r ".[] | .service + \" \" + .action"'
	assert_output 'sts GetCallerIdentity'
}

@test "proxy: HTTP_PROXY (upper case) is ignored for http, as curl does" {
	unset no_proxy NO_PROXY
	export HTTP_PROXY=http://127.0.0.1:1
	run --separate-stderr awscall --caller
	assert_success
	assert_output 'arn:aws:sts::123456789012:user/moto 123456789012'
}

@test "proxy: https through https_proxy (a CONNECT tunnel, then TLS)" {
	tinyproxy_start
	unset no_proxy NO_PROXY
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	export HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT
	get "$TLS" /ok
	tinyproxy_stop
	assert_success
	assert_output '{"ok":true}'
	run grep -c "Request (file descriptor [0-9]*): CONNECT 127.0.0.1:$(port_of tls) HTTP/1.1" "$PROXY_LOG"
	assert_output 1
	assert_equal "$(cat "$BATS_FILE_TMPDIR/tls.log" | cut -d' ' -f2-)" "GET /ok"
}

@test "proxy: all_proxy is the fallback" {
	tinyproxy_start
	unset no_proxy NO_PROXY
	export all_proxy=127.0.0.1:$PROXY_PORT
	get "$PLAIN" /ok
	tinyproxy_stop
	assert_success
	run grep -c "Request (file descriptor [0-9]*): GET $PLAIN/ok HTTP/1.1" "$PROXY_LOG"
	assert_output 1
}

@test "proxy: NO_PROXY bypasses the proxy" {
	export http_proxy=http://127.0.0.1:1
	unset no_proxy
	export NO_PROXY=example.com,127.0.0.0/8
	get "$PLAIN" /ok
	assert_success
	assert_output '{"ok":true}'
	unset NO_PROXY
	get "$PLAIN" /ok
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectFailed: 127\.0\.0\.1:[0-9]+: connect to proxy 127\.0\.0\.1 port 1: Connection refused \(3 attempts\)$'
}

@test "proxy: Basic credentials work and never show in -vv logs" {
	tinyproxy_start BasicAuth proxyuser 's3cr3tPW'
	unset no_proxy NO_PROXY
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	export https_proxy='http://proxyuser:s3cr%33tPW@127.0.0.1:'$PROXY_PORT
	export http_proxy=$https_proxy
	get "$TLS" /ok -vv
	assert_success
	assert_output '{"ok":true}'
	tls_err=$stderr
	get "$PLAIN" /ok -vv
	tinyproxy_stop
	assert_success
	assert_output '{"ok":true}'
	b64=$(printf 'proxyuser:s3cr3tPW' | base64)
	run grep -c -e s3cr -e "$b64" -e Proxy-Authorization <<<"$tls_err
$stderr"
	assert_output 0
	[[ $stderr == *'> Host: 127.0.0.1:'* ]]
}

@test "proxy: a wrong password: CONNECT refused is ConnectFailed naming the proxy" {
	tinyproxy_start BasicAuth proxyuser right
	unset no_proxy NO_PROXY
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	export https_proxy=http://proxyuser:wrong@127.0.0.1:$PROXY_PORT
	get "$TLS" /ok
	tinyproxy_stop
	assert_failure 5
	assert_regex "$stderr" "^awscall: ConnectFailed: 127\.0\.0\.1:[0-9]+: proxy 127\.0\.0\.1 port $PROXY_PORT answered CONNECT with HTTP 40[17] \(3 attempts\)$"
	[[ $stderr != *wrong* ]]
}

@test "proxy: an unsupported proxy scheme is a local error naming the variable" {
	unset no_proxy NO_PROXY
	export https_proxy=socks5://u:hunter2pw@127.0.0.1:1080
	get "$TLS" /ok
	assert_failure 3
	assert_equal "$stderr" "awscall: BadProxy: 127.0.0.1:$(port_of tls): https_proxy: proxy scheme \"socks5\" is not supported (only http://) (1 attempt)"
}

# vg NAME CMD...: CMD under valgrind; its status in VG_STATUS, and
# valgrind's report (errors, definite leaks) must be empty.
vg() {
	local name=$1 log=$BATS_TEST_TMPDIR/$1.vg
	shift
	VG_STATUS=0
	valgrind -q --leak-check=full --show-leak-kinds=definite \
	    --errors-for-leak-kinds=definite --error-exitcode=99 \
	    --log-file="$log" "$@" >"$BATS_TEST_TMPDIR/$name.out" \
	    2>"$BATS_TEST_TMPDIR/$name.err" </dev/null || VG_STATUS=$?
	if [ -s "$log" ]; then
		head -40 "$log"
		return 1
	fi
}

@test "valgrind: TLS with a kept connection, a CONNECT tunnel and concurrent calls leave no error or leak" {
	ldd "$EKSL_BUILD/tools/awscall" | grep -q libasan && skip "ASan build"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	export AWS_CA_BUNDLE=$BATS_FILE_TMPDIR/tls/ca.pem
	vg flaky "$EKSL_BUILD/tools/awscall" --endpoint-url "$TLS" \
	    --service eks --method GET --path /flaky/1
	assert_equal "$VG_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/flaky.out")" '{"ok":true}'
	assert_equal "$(conns tls)" "1 1"
	vg badca env AWS_CA_BUNDLE="$BATS_FILE_TMPDIR/tls/other.pem" \
	    "$EKSL_BUILD/tools/awscall" --endpoint-url "$TLS" --service eks \
	    --method GET --path /ok
	assert_equal "$VG_STATUS" 5
	tinyproxy_start
	unset no_proxy NO_PROXY
	vg tunnel env https_proxy="http://127.0.0.1:$PROXY_PORT" \
	    "$EKSL_BUILD/tools/awscall" --endpoint-url "$TLS" --service eks \
	    --method GET --path /ok
	tinyproxy_stop
	assert_equal "$VG_STATUS" 0
	run grep -c "CONNECT 127.0.0.1:$(port_of tls)" "$PROXY_LOG"
	assert_output 1
	moto_env
	moto_canned c1 '{"sequence":[{"name":"c1","id":"0123","status":"ACTIVE","endpoint":"https://x.example","certificateAuthority":{"data":"QQ=="}}]}'
	vg describe "$EKSL_BIN/eksl-provision" describe --name c1
	assert_equal "$VG_STATUS" 0
}

@test "http: a path with a blank or a line break is never sent" {
	get "$PLAIN" $'/ok\r\nX-Forged: 1'
	assert_failure 3
	assert_regex "$stderr" '^awscall: BadEndpoint: 127\.0\.0\.1:[0-9]+: not an http\(s\)://host\[:port\]/path URL \(1 attempt\)$'
	get "$PLAIN" '/ok x'
	assert_failure 3
	assert_regex "$stderr" '^awscall: BadEndpoint: '
	assert_equal "$(cat "$BATS_FILE_TMPDIR/plain.log")" ""
}

@test "http: a resolver that never answers is ResolveFailed at the connect timeout" {
	# resolv.conf names a server that takes every query and answers none:
	# getaddrinfo alone would wait timeout x attempts (5 s x 2 here).
	local d=$BATS_TEST_TMPDIR
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.54", 53))
open(sys.argv[1], "w").close()
while True:
    s.recv(4096)' "$d/dns.ready" 3>&- &
	local dns=$!
	for i in $(seq 1 100); do
		[ -e "$d/dns.ready" ] && break
		sleep 0.05
	done
	printf 'nameserver 127.0.0.54\noptions timeout:5 attempts:2\n' >"$d/resolv.conf"
	export AWS_MAX_ATTEMPTS=1
	start=$(date +%s%N)
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	    shift && exec "$@"' sh "$d/resolv.conf" "$EKSL_BUILD/tools/awscall" \
	    --endpoint-url http://eks.example.test:8080 --connect-timeout 700 \
	    --timeout 5000 --service eks --method GET --path /ok
	end=$(date +%s%N)
	kill "$dns"
	assert_failure 5
	assert_regex "$stderr" '^awscall: ResolveFailed: eks\.example\.test:8080: cannot resolve host eks\.example\.test: no answer in (6[5-9][0-9]|[7-9][0-9][0-9]|[12][0-9]{3}) ms \(1 attempt\)$'
	[ $(( (end - start) / 1000000 )) -lt 4000 ]
	# A name the resolver does answer (from /etc/hosts) still goes through.
	get "http://localhost:$(port_of plain)" /ok
	assert_success
	assert_output '{"ok":true}'
}

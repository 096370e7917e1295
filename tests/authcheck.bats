#!/usr/bin/env bats
# eksl-authcheck against the Kubernetes API stand-in (tests/k8s_standin.py)
# and the moto wrapper's STS, with the real kubectl as the judge of what
# prepare leaves behind.

load lib/common
load lib/moto
load lib/k8s

setup_file() {
	moto_start
}

teardown_file() {
	moto_stop
}

setup() {
	[ -n "${MOTO_URL:-}" ] || moto_start
	moto_reset
	moto_env
	k8s_start
	REC=$(k8s_record)
	DIR="$BATS_TEST_TMPDIR/creds"
	CACHE="$BATS_TEST_TMPDIR/kcache"
}

teardown() {
	k8s_stop
}

# prepare_ok [ARGS...]: run prepare on REC, leave the record in $OUT.
prepare_ok() {
	run_stdin "$REC" eksl-authcheck prepare --dir "$DIR" "$@"
	assert_success
	OUT=$output
}

# jq_ a.b.0.c: that member of the JSON on stdin (strings raw).
jq_() {
	jq -r ".$(sed -E 's/\.([0-9]+)/[\1]/g' <<<"$1")"
}

kc() {
	k8s_pinned "$KUBECTL" --kubeconfig "$BATS_TEST_TMPDIR/kubeconfig" \
	    --cache-dir "$CACHE" --request-timeout 10s "$@"
}

# pinned_check ARGS...: check with the host pinned in /etc/hosts.
pinned_check() {
	run --separate-stderr k8s_pinned bash -c 'eksl-authcheck check "$@" <<<"$0"' "$OUT" "$@"
}

@test "--help prints the usage on stdout and --version the version" {
	run --separate-stderr eksl-authcheck --help
	assert_success
	[[ "$output" == "usage: eksl-authcheck prepare --dir DIR"* ]]
	[[ "$output" == *"eksl-authcheck check [--warn-days N] [--deep] [--timeout MS]"* ]]
	[ -z "$stderr" ]
	run --separate-stderr eksl-authcheck check --help
	assert_success
	[[ "$output" == usage:* ]]
	run --separate-stderr eksl-authcheck --version
	assert_success
	[[ "$output" == *"0.1.0"* ]]
}

@test "usage errors exit 2 with the reason and the usage on stderr" {
	run --separate-stderr eksl-authcheck
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: prepare or check?"* ]]
	run --separate-stderr eksl-authcheck renew
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: renew: not a command (prepare or check)"* ]]
	run --separate-stderr eksl-authcheck prepare
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: prepare: --dir is required"* ]]
	[[ "$stderr" == *"usage: eksl-authcheck prepare"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --expiration 5m
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --expiration: 5m: not a duration of at least 600s"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --expiration 3x
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --expiration: 3x:"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --key-type dsa
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --key-type: dsa: not ec, rsa2048 or rsa4096"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --renew-days -1
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --renew-days: -1: not a number"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --user ""
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --user, --group and --cluster-role must not be empty"* ]]
	run --separate-stderr eksl-authcheck check --timeout 0
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --timeout: 0: not a number"* ]]
	run --separate-stderr eksl-authcheck check --warn-days x
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --warn-days: x: not a number"* ]]
	run --separate-stderr eksl-authcheck check --dir d
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --dir: not an option of check"* ]]
	run --separate-stderr eksl-authcheck prepare --dir d --deep
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: --deep: not an option of prepare"* ]]
	run --separate-stderr eksl-authcheck check extra
	[ "$status" -eq 2 ]
	[[ "$stderr" == "eksl-authcheck: extra: unexpected argument"* ]]
}

@test "prepare: token auth, key 0600, CSR approved and signed, binding, auth filled with the real notAfter" {
	prepare_ok --group ops
	auth=$(jq_ auth <<<"$OUT")
	[ "$(jq_ user <<<"$auth")" = eksl-offline-admin ]
	[ "$(jq_ group <<<"$auth")" = ops ]
	[ "$(jq_ key <<<"$auth")" = "$DIR/standin.key" ]
	[ "$(jq_ cert <<<"$auth")" = "$DIR/standin.crt" ]
	[ "$(stat -c %a "$DIR/standin.key")" = 600 ]
	[ "$(stat -c %a "$DIR")" = 700 ]
	run openssl x509 -in "$DIR/standin.crt" -noout -subject
	[[ "$output" == *"O = ops, CN = eksl-offline-admin"* ]]
	run openssl verify -CAfile "$K8S_CA" "$DIR/standin.crt"
	assert_success
	# The key is EC P-256 and belongs to the certificate.
	run openssl pkey -in "$DIR/standin.key" -pubout
	kpub=$output
	run openssl x509 -in "$DIR/standin.crt" -noout -pubkey
	[ "$output" = "$kpub" ]
	run openssl x509 -in "$DIR/standin.crt" -noout -text
	[[ "$output" == *"prime256v1"* ]]
	# notAfter is the certificate's own, about 365 days ahead.
	end=$(date -u -d "$(openssl x509 -in "$DIR/standin.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	[ "$(jq_ notAfter <<<"$auth")" = "$end" ]
	days=$(( ($(date -d "$end" +%s) - $(date +%s)) / 86400 ))
	[ "$days" -ge 364 ] && [ "$days" -le 365 ]
	state=$(k8s_state)
	[[ "$state" == *'"eksl:eksl-offline-admin:cluster-admin"'* ]]
	[[ "$state" == *'"eksl-eksl-offline-admin-'* ]]
}

@test "prepare: --user, --cluster-role, --expiration and --key-type rsa2048 are honoured" {
	prepare_ok --user ops-viewer --cluster-role view --expiration 90d --key-type rsa2048
	run openssl x509 -in "$DIR/standin.crt" -noout -subject -enddate
	[[ "$output" == *"CN = ops-viewer"* ]]
	end=$(date -d "$(openssl x509 -in "$DIR/standin.crt" -noout -enddate | cut -d= -f2)" +%s)
	days=$(( (end - $(date +%s)) / 86400 ))
	[ "$days" -ge 89 ] && [ "$days" -le 90 ]
	run openssl x509 -in "$DIR/standin.crt" -noout -text
	[[ "$output" == *"Public-Key: (2048 bit)"* ]]
	[[ "$output" == *"rsaEncryption"* ]]
	# The view role lets the certificate read services: check passes.
	pinned_check
	assert_success
	[[ "$stderr" == *"127.0.0.11: ok: tcp, tls, user ops-viewer"* ]]
}

@test "the offline context works with kubectl; with moto stopped the online one gets 401, the offline one works and check is ready" {
	# A moto of this test's own, to cut it; and a stand-in without a
	# token cache, redeeming through it.
	unset MOTO_PID
	moto_start
	moto_env
	k8s_stop
	K8S_TOKEN_CACHE_TTL=0 k8s_start
	prepare_ok
	run_stdin "$OUT" eksl-kubeconfig --kubeconfig "$BATS_TEST_TMPDIR/kubeconfig" --offline
	assert_success
	ctx=$(jq_ kubeconfig.context <<<"$output")
	off=$(jq_ kubeconfig.offlineContext <<<"$output")
	[ -n "$off" ] && [ "$off" != "$ctx" ]
	run --separate-stderr kc --context "$off" get --raw /version
	assert_success
	[[ "$output" == *'"gitVersion":"v1.32'* ]]
	run --separate-stderr kc --context "$off" get --raw /api/v1/namespaces/default/services
	assert_success
	[[ "$output" == *'"kind":"ServiceList"'* ]]
	run --separate-stderr kc --context "$ctx" get --raw /api/v1/namespaces/default/services
	assert_success
	[[ "$output" == *'"kind":"ServiceList"'* ]]

	moto_stop || true	# killed by us: wait reports 143
	# A fresh token (and a stand-in without a cache) after the link is cut.
	sleep 1
	run --separate-stderr kc --context "$ctx" get --raw /api/v1/namespaces/default/services
	assert_failure
	[[ "$stderr" == *"Unauthorized"* ]]
	run --separate-stderr kc --context "$off" get --raw /api/v1/namespaces/default/services
	assert_success
	[[ "$output" == *'"kind":"ServiceList"'* ]]
	pinned_check
	assert_success
	[[ "$stderr" == *"standin: ready"* ]]
	[[ "$stderr" == *"resolver: ${K8S_HOST,,} -> 127.0.0.11 127.0.0.12 127.0.0.13: pinned"* ]]
	[ "$(jq_ auth.check.ready <<<"$output")" = true ]
	[ "$(jq_ auth.check.addresses.2.user <<<"$output")" = eksl-offline-admin ]
	[ "$(jq_ auth.check.addresses.0.tls <<<"$output")" = true ]
	[ "$(jq_ auth.check.resolver.pinned <<<"$output")" = true ]
	# prepare needs IAM: with moto down the token is refused.
	mkdir -p "$BATS_TEST_TMPDIR/other"
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$REC" "$BATS_TEST_TMPDIR/other"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"standin: 401 Unauthorized: Unauthorized"* ]]
	[ -z "$(ls "$BATS_TEST_TMPDIR/other")" ]
}

@test "prepare: a token signed for another cluster id is refused by STS (401, exit 4)" {
	other=$(jq -c '.id = "00000000-0000-0000-0000-000000000000"' <<<"$REC")
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$other" "$DIR"
	[ "$status" -eq 4 ]
	[[ "$stderr" == "eksl-authcheck: standin: 401 Unauthorized: Unauthorized" ]]
	[ "$(jq_ errors.0.code <<<"$output")" = api ]
	[ ! -e "$DIR/standin.key" ]
}

@test "check: one of three addresses down is degraded (exit 1) and named" {
	prepare_ok
	k8s_stop_addr 127.0.0.12
	pinned_check
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"standin: 127.0.0.12: FAILED: GET /version: Failed to connect to"* ]]
	[[ "$stderr" == *"standin: 127.0.0.11: ok:"* ]]
	[[ "$stderr" == *"degraded: an address fails;"* ]]
	[ "$(jq_ auth.check.ready <<<"$output")" = true ]
	[ "$(jq_ auth.check.addresses.1.tcp <<<"$output")" = false ]
	[ "$(jq_ auth.check.addresses.1.ip <<<"$output")" = 127.0.0.12 ]
	[ "$(jq_ auth.check.addresses.0.error <<<"$output")" = null ]
}

@test "check: all addresses down is unreachable (exit 5), a hung one times out within --timeout" {
	prepare_ok
	k8s_hang_addr 127.0.0.13
	SECONDS=0
	pinned_check --timeout 700
	[ "$status" -eq 1 ]
	[ "$SECONDS" -le 3 ]
	[[ "$stderr" == *"127.0.0.13: FAILED: GET /version: connected, but no TLS handshake within 700 ms"* ]]
	[ "$(jq_ auth.check.addresses.2.tcp <<<"$output")" = true ]
	[ "$(jq_ auth.check.addresses.2.tls <<<"$output")" = false ]
	k8s_stop_addr 127.0.0.11
	k8s_stop_addr 127.0.0.12
	k8s_stop_addr 127.0.0.13
	pinned_check --timeout 700
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"eksl-authcheck: standin: not ready: no address works"* ]]
	[[ "$(jq_ errors.0.message <<<"$output")" == "standin: not ready: no address works"* ]]
}

@test "check: a certificate near expiry is degraded (exit 1); --warn-days 0 accepts it" {
	prepare_ok --expiration 600s
	pinned_check
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"certificate for eksl-offline-admin expires "*" (0 days)"* ]]
	[[ "$stderr" == *"degraded: the certificate expires soon;"* ]]
	[ "$(jq_ auth.check.days <<<"$output")" = 0 ]
	pinned_check --warn-days 0
	assert_success
}

@test "check: an expired certificate is not ready (exit 4) and says so" {
	prepare_ok
	# Re-sign the same key's certificate, already expired, with the CA.
	openssl x509 -x509toreq -in "$DIR/standin.crt" -signkey "$DIR/standin.key" \
	    -out "$BATS_TEST_TMPDIR/re.csr" 2>/dev/null
	printf '%s\n' '[ca]' 'default_ca=c' '[c]' "dir=$BATS_TEST_TMPDIR/ca" \
	    'database=$dir/index' 'new_certs_dir=$dir' 'serial=$dir/serial' \
	    'default_md=sha256' 'policy=p' '[p]' 'commonName=supplied' \
	    >"$BATS_TEST_TMPDIR/ca.cnf"
	mkdir -p "$BATS_TEST_TMPDIR/ca"
	: >"$BATS_TEST_TMPDIR/ca/index"
	echo 01 >"$BATS_TEST_TMPDIR/ca/serial"
	openssl ca -batch -config "$BATS_TEST_TMPDIR/ca.cnf" -cert "$K8S_CA" \
	    -keyfile "$K8S_DIR/ca.key" -in "$BATS_TEST_TMPDIR/re.csr" \
	    -startdate 20200101000000Z -enddate 20200102000000Z \
	    -out "$DIR/standin.crt" 2>/dev/null
	run openssl x509 -in "$DIR/standin.crt" -noout -enddate
	[[ "$output" == *"Jan  2 00:00:00 2020 GMT"* ]]
	pinned_check
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"eksl-authcheck: standin: not ready: the certificate $DIR/standin.crt expired at 2020-01-02T00:00:00Z (run eksl-authcheck prepare)"* ]]
	[ "$(jq_ auth.check.ready <<<"$output")" = false ]
	[ "$(jq_ auth.check.days <<<"$output")" = -1 ]
}

@test "check: a wrong CA is unreachable (exit 5) with a TLS message naming the host" {
	prepare_ok
	mkdir -p "$BATS_TEST_TMPDIR/other"
	k8s_certs "$BATS_TEST_TMPDIR/other" "$K8S_HOST"
	OUT=$(jq -c --arg ca "$(base64 -w0 <"$BATS_TEST_TMPDIR/other/ca.crt")" '.ca = $ca' <<<"$OUT")
	pinned_check
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"127.0.0.11: FAILED: TLS to ${K8S_HOST,,}: SSL certificate problem"* ]]
	[ "$(jq_ auth.check.addresses.0.tcp <<<"$output")" = true ]
	[ "$(jq_ auth.check.addresses.0.tls <<<"$output")" = false ]
}

@test "check: a certificate for another user is refused (exit 4)" {
	prepare_ok
	OUT=$(jq -c '.auth.user = "someone-else"' <<<"$OUT")
	pinned_check
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"127.0.0.11: FAILED: authenticated as eksl-offline-admin, not someone-else"* ]]
}

@test "check: a name the resolver does not map to the addresses is degraded (exit 1)" {
	prepare_ok
	run --separate-stderr eksl-authcheck check <<<"$OUT"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"resolver: ${K8S_HOST,,} -> "*": NOT pinned"* ]]
	[[ "$stderr" == *"degraded: the name is not pinned;"* ]]
	K8S_HOSTS_FILE="$BATS_TEST_TMPDIR/hosts.wrong"
	k8s_hosts_file "$K8S_HOSTS_FILE" 127.0.0.11 127.0.0.99
	export K8S_HOSTS_FILE
	pinned_check
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"resolver: ${K8S_HOST,,} -> 127.0.0.11 127.0.0.99: NOT pinned"* ]]
	[ "$(jq_ auth.check.resolver.pinned <<<"$output")" = false ]
}

@test "check --deep: kube-dns, coredns and the control-plane taint" {
	prepare_ok
	pinned_check --deep
	assert_success
	[[ "$stderr" == *"127.0.0.12: ok: tcp, tls, user eksl-offline-admin, /version, services; "*" ms; deep: ok"* ]]
	[ "$(jq_ auth.check.addresses.0.deep <<<"$output")" = ok ]
}

@test "prepare: a denied CSR is refused (exit 4) and leaves no key behind" {
	k8s_deny_next_csr
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$REC" "$DIR"
	[ "$status" -eq 4 ]
	[[ "$stderr" == "eksl-authcheck: standin: CertificateSigningRequest eksl-eksl-offline-admin-"*" was denied: denied by the test hook" ]]
	[[ "$(jq_ errors.0.code <<<"$output")" == api ]]
	[ ! -e "$DIR/standin.key" ]
	[ ! -e "$DIR/standin.crt" ]
	# and the next run works
	prepare_ok
}

@test "prepare: a file or a symlink planted at the key path is refused (exit 6)" {
	mkdir -p "$DIR"
	echo planted >"$DIR/standin.key"
	chmod 600 "$DIR/standin.key"
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$REC" "$DIR"
	[ "$status" -eq 6 ]
	[[ "$stderr" == "eksl-authcheck: $DIR/standin.key: exists and has no matching certificate for eksl-offline-admin at $DIR/standin.crt; refusing to use it" ]]
	[ "$(cat "$DIR/standin.key")" = planted ]
	rm "$DIR/standin.key"
	echo target >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$DIR/standin.key"
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$REC" "$DIR"
	[ "$status" -eq 6 ]
	[[ "$stderr" == "eksl-authcheck: $DIR/standin.key: is not a regular file (a symbolic link?); refusing to use it as a key" ]]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = target ]
	[ -L "$DIR/standin.key" ]
	# A planted file that is readable by others is refused too.
	rm "$DIR/standin.key"
	echo planted >"$DIR/standin.key"
	chmod 644 "$DIR/standin.key"
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$REC" "$DIR"
	[ "$status" -eq 6 ]
	[[ "$stderr" == *"not owned by us with mode 0600; refusing to use it as a key" ]]
}

@test "prepare --renew-days: a valid certificate is kept (no new CSR); within N days it is renewed" {
	prepare_ok
	first=$(cat "$DIR/standin.crt")
	firstkey=$(cat "$DIR/standin.key")
	ino=$(stat -c %i "$DIR/standin.key")
	prepare_ok
	[ "$(cat "$DIR/standin.crt")" = "$first" ]
	[ "$(stat -c %i "$DIR/standin.key")" = "$ino" ]
	[ "$(jq_ auth.cert <<<"$OUT")" = "$DIR/standin.crt" ]
	state=$(k8s_state)
	[ "$(grep -o 'eksl-eksl-offline-admin-' <<<"$state" | wc -l)" -eq 1 ]
	sleep 1	# a new CSR name (it carries the time)
	prepare_ok --renew-days 400
	[ "$(cat "$DIR/standin.crt")" != "$first" ]
	# a renewal keeps the key: one rename, never a torn pair
	[ "$(cat "$DIR/standin.key")" = "$firstkey" ]
	[ "$(stat -c %i "$DIR/standin.key")" = "$ino" ]
	[ "$(stat -c %a "$DIR/standin.key")" = 600 ]
	[ ! -e "$DIR/standin.key.new" ] && [ ! -e "$DIR/standin.crt.new" ]
	run openssl pkey -in "$DIR/standin.key" -pubout
	kpub=$output
	run openssl x509 -in "$DIR/standin.crt" -noout -pubkey
	[ "$output" = "$kpub" ]
	state=$(k8s_state)
	[ "$(grep -o 'eksl-eksl-offline-admin-' <<<"$state" | wc -l)" -eq 2 ]
}

@test "prepare: a key left alone (a run stopped before the certificate's rename) gets its certificate and is kept" {
	prepare_ok
	key=$(cat "$DIR/standin.key")
	rm "$DIR/standin.crt"
	run --separate-stderr bash -c 'eksl-authcheck -v prepare --dir "$1" <<<"$0"' "$REC" "$DIR"
	assert_success
	[[ "$stderr" == *"eksl-authcheck: $DIR/standin.key: no certificate beside it; one is made for this key"* ]]
	[ "$(cat "$DIR/standin.key")" = "$key" ]
	[ "$(openssl pkey -in "$DIR/standin.key" -pubout)" = \
	    "$(openssl x509 -in "$DIR/standin.crt" -noout -pubkey)" ]
	[ "$(jq_ auth.cert <<<"$output")" = "$DIR/standin.crt" ]
}

@test "no key material or token appears in any output, even with -vv" {
	run bash -c 'eksl-authcheck -v -v prepare --dir "$1" <<<"$0" 2>&1' "$REC" "$DIR"
	assert_success
	all=$output
	OUT=$(grep '^{' <<<"$all")
	run bash -c 'eksl-authcheck -v -v check --deep <<<"$0" 2>&1' "$OUT"
	all="$all$output"
	[[ "$all" != *"k8s-aws-v1."* ]]
	[[ "$all" != *"PRIVATE KEY"* ]]
	body=$(grep -v -- '-----' "$DIR/standin.key" | tr -d '\n')
	[ -n "$body" ]
	while read -r line; do
		[[ "$all" != *"$line"* ]]
	done < <(grep -v -- '-----' "$DIR/standin.key")
	[[ "$all" != *"${body:10:40}"* ]]
	[[ "$all" != *"$MOTO_TEST_SECRET_KEY"* ]]
}

@test "bad input: a record without auth, a line that is not JSON, a record without a CA (exit 3, the others still go on)" {
	prepare_ok
	input=$(printf '%s\n%s\n' "$REC" 'not json')
	run --separate-stderr bash -c 'eksl-authcheck check <<<"$0"' "$input"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"eksl-authcheck: standin: no auth.user, auth.cert and auth.key (run eksl-authcheck prepare)"* ]]
	[[ "$stderr" == *"eksl-authcheck: stdin:2:"* ]]
	[ "$(jq_ errors.0.code <<<"$output")" = input ]
	noca=$(jq -c 'del(.ca)' <<<"$REC")
	run --separate-stderr bash -c 'eksl-authcheck prepare --dir "$1" <<<"$0"' "$noca" "$DIR"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "eksl-authcheck: standin: ca: not a base64 PEM certificate" ]]
	noaddr=$(jq -c '.addresses = []' <<<"$OUT")
	run --separate-stderr bash -c 'eksl-authcheck check <<<"$0"' "$noaddr"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "eksl-authcheck: standin: no addresses[] to check" ]]
}

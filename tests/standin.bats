#!/usr/bin/env bats
# The Kubernetes API stand-in itself, checked with the real kubectl and
# openssl: if it did not behave like the real API, every test built on it
# would prove nothing.

load lib/common
load lib/k8s

setup() {
	k8s_start
	KC="$BATS_TEST_TMPDIR/kubeconfig"
	CACHE="$BATS_TEST_TMPDIR/kcache"
}

teardown() {
	k8s_stop
}

kc() {
	k8s_pinned "$KUBECTL" --kubeconfig "$KC" --cache-dir "$CACHE" \
	    --request-timeout 10s "$@"
}

@test "kubectl get --raw /version works" {
	k8s_client_cert "$K8S_DIR" bob bob
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/bob.crt" "$K8S_DIR/bob.key"
	run --separate-stderr kc get --raw /version
	assert_success
	[[ "$output" == *'"gitVersion":"v1.32'* ]]
}

@test "an x.509 client certificate authenticates as CN with O as groups" {
	k8s_client_cert "$K8S_DIR" admin admin-user system:masters
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/admin.crt" "$K8S_DIR/admin.key"
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services
	assert_success
	[[ "$output" == *'"kind":"ServiceList"'* ]]
	[[ "$output" == *'"name":"kubernetes"'* ]]
	run --separate-stderr kc create --raw \
	    /apis/authentication.k8s.io/v1/selfsubjectreviews -f - <<<'{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
	assert_success
	[[ "$output" == *'"username":"admin-user"'* ]]
	[[ "$output" == *'"system:masters"'* ]]
}

@test "a certificate from another CA is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/other"
	k8s_certs "$BATS_TEST_TMPDIR/other" "$K8S_HOST"
	k8s_client_cert "$BATS_TEST_TMPDIR/other" evil admin-user system:masters
	k8s_kubeconfig_x509 "$KC" "$BATS_TEST_TMPDIR/other/evil.crt" \
	    "$BATS_TEST_TMPDIR/other/evil.key"
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services
	assert_failure
	[[ "$stderr" == *"certificate"* ]]
	[[ "$output" != *ServiceList* ]]
}

@test "a refused certificate: the alert reaches a client whose request goes out after the handshake" {
	# In TLS 1.3 the client's request can reach the stand-in after it has
	# refused the certificate.  Closing at once, with that request unread,
	# would reset the connection and lose the alert (the client would say
	# "broken pipe" or "EOF", as kubectl once did here).
	mkdir -p "$BATS_TEST_TMPDIR/other"
	k8s_certs "$BATS_TEST_TMPDIR/other" "$K8S_HOST"
	k8s_client_cert "$BATS_TEST_TMPDIR/other" evil admin-user system:masters
	run --separate-stderr "$K8S_PYTHON" - "$K8S_PORT" "$K8S_CA" \
	    "$BATS_TEST_TMPDIR/other/evil.crt" "$BATS_TEST_TMPDIR/other/evil.key" <<'PY'
import socket, ssl, sys, time
port, ca, crt, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(ca)
ctx.load_cert_chain(crt, key)
ctx.check_hostname = False
for delay in (0, 0.3):
    t = ctx.wrap_socket(socket.create_connection(("127.0.0.11", port)))
    time.sleep(delay)
    try:
        t.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        print("sent", delay)
        print("read", t.recv(100))
    except ssl.SSLError as e:
        print("alert", e.reason)
    except OSError as e:
        print("error", type(e).__name__)
    t.close()
PY
	assert_success
	assert_output $'sent 0\nalert TLSV1_ALERT_UNKNOWN_CA\nsent 0.3\nalert TLSV1_ALERT_UNKNOWN_CA'
}

@test "a user without a binding gets 403 with the real message; a cluster-admin binding allows it" {
	k8s_client_cert "$K8S_DIR" admin admin system:masters
	k8s_client_cert "$K8S_DIR" bob bob
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/bob.crt" "$K8S_DIR/bob.key"
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services/kubernetes
	assert_failure
	[[ "$stderr" == *'services "kubernetes" is forbidden: User "bob" cannot get resource "services" in API group "" in the namespace "default"'* ]]
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/admin.crt" "$K8S_DIR/admin.key"
	crb='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"bob-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"bob","apiGroup":"rbac.authorization.k8s.io"}]}'
	run --separate-stderr kc create --validate=false -f - <<<"$crb"
	assert_success
	[[ "$output" == *"clusterrolebinding.rbac.authorization.k8s.io/bob-admin created"* ]]
	run --separate-stderr kc create --validate=false -f - <<<"$crb"
	assert_failure
	[[ "$stderr" == *'clusterrolebindings.rbac.authorization.k8s.io "bob-admin" already exists'* ]]
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/bob.crt" "$K8S_DIR/bob.key"
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services/kubernetes
	assert_success
	[[ "$output" == *'"clusterIP":"10.100.0.1"'* ]]
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services/nope
	assert_failure
	[[ "$stderr" == *'services "nope" not found'* ]]
}

@test "a CSR is approved through /approval and signed with expirationSeconds" {
	k8s_client_cert "$K8S_DIR" admin admin system:masters
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/admin.crt" "$K8S_DIR/admin.key"
	openssl ecparam -name prime256v1 -genkey -noout -out "$BATS_TEST_TMPDIR/u.key"
	openssl req -new -key "$BATS_TEST_TMPDIR/u.key" -subj "/CN=carol/O=ops" \
	    -out "$BATS_TEST_TMPDIR/u.csr"
	cat >"$BATS_TEST_TMPDIR/csr.yaml" <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: carol
spec:
  request: $(base64 -w0 <"$BATS_TEST_TMPDIR/u.csr")
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: [client auth]
EOF
	run --separate-stderr kc create --validate=false -f "$BATS_TEST_TMPDIR/csr.yaml"
	assert_success
	# kubectl certificate approve sends protobuf, which the stand-in does
	# not decode: approve through the same subresource in JSON.
	kc get csr carol -o json | python3 -c 'import json,sys
o=json.load(sys.stdin)
o["status"]["conditions"]=[{"type":"Approved","status":"True","reason":"Test","message":"ok"}]
print(json.dumps(o))' >"$BATS_TEST_TMPDIR/approve.json"
	run --separate-stderr kc replace --raw \
	    /apis/certificates.k8s.io/v1/certificatesigningrequests/carol/approval \
	    -f "$BATS_TEST_TMPDIR/approve.json"
	assert_success
	[[ "$output" == *'"type":"Approved"'* ]]
	for i in $(seq 50); do
		kc get csr carol -o 'jsonpath={.status.certificate}' >"$BATS_TEST_TMPDIR/c.b64" 2>/dev/null
		[ -s "$BATS_TEST_TMPDIR/c.b64" ] && break
		sleep 0.1
	done
	base64 -d <"$BATS_TEST_TMPDIR/c.b64" >"$BATS_TEST_TMPDIR/c.crt"
	run openssl x509 -in "$BATS_TEST_TMPDIR/c.crt" -noout -subject -enddate
	assert_success
	[[ "$output" == *"CN = carol"* && "$output" == *"O = ops"* ]]
	end=$(date -d "$(openssl x509 -in "$BATS_TEST_TMPDIR/c.crt" -noout -enddate | cut -d= -f2)" +%s)
	now=$(date +%s)
	[ $((end - now)) -gt 86000 ] && [ $((end - now)) -le 86400 ]
	run openssl verify -CAfile "$K8S_CA" "$BATS_TEST_TMPDIR/c.crt"
	assert_success
}

@test "a CSR with expirationSeconds under 600 is Invalid (422); a denied CSR cannot be approved" {
	k8s_client_cert "$K8S_DIR" admin admin system:masters
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/admin.crt" "$K8S_DIR/admin.key"
	openssl ecparam -name prime256v1 -genkey -noout -out "$BATS_TEST_TMPDIR/u.key"
	openssl req -new -key "$BATS_TEST_TMPDIR/u.key" -subj "/CN=dave" \
	    -out "$BATS_TEST_TMPDIR/u.csr"
	mk() {
		cat <<EOF
{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest",
 "metadata":{"name":"$1"},"spec":{"request":"$(base64 -w0 <"$BATS_TEST_TMPDIR/u.csr")",
 "signerName":"kubernetes.io/kube-apiserver-client","expirationSeconds":$2,
 "usages":["client auth"]}}
EOF
	}
	run --separate-stderr kc create --validate=false -f - <<<"$(mk short 599)"
	assert_failure
	[[ "$stderr" == *"may not specify a duration less than 600 seconds"* ]]
	k8s_deny_next_csr
	run --separate-stderr kc create --validate=false -f - <<<"$(mk denied 3600)"
	assert_success
	run --separate-stderr kc get csr denied -o 'jsonpath={.status.conditions[0].type}'
	assert_success
	[ "$output" = Denied ]
	kc get csr denied -o json | python3 -c 'import json,sys
o=json.load(sys.stdin)
o["status"]["conditions"]=[{"type":"Approved","status":"True","reason":"Test","message":"ok"}]
print(json.dumps(o))' >"$BATS_TEST_TMPDIR/approve.json"
	run --separate-stderr kc replace --raw \
	    /apis/certificates.k8s.io/v1/certificatesigningrequests/denied/approval \
	    -f "$BATS_TEST_TMPDIR/approve.json"
	assert_failure
	[[ "$stderr" == *'updates may not remove a condition of type "Denied"'* ]]
}

@test "an address can be stopped and started on its own; the others keep serving" {
	k8s_stop_addr 127.0.0.12
	k8s_client_cert "$K8S_DIR" bob bob
	k8s_kubeconfig_x509 "$KC" "$K8S_DIR/bob.crt" "$K8S_DIR/bob.key"
	K8S_HOSTS_FILE="$BATS_TEST_TMPDIR/h12"
	k8s_hosts_file "$K8S_HOSTS_FILE" 127.0.0.12
	export K8S_HOSTS_FILE
	run --separate-stderr kc get --raw /version
	assert_failure
	[[ "$stderr" == *"was refused"* ]]
	k8s_hosts_file "$K8S_HOSTS_FILE" 127.0.0.13
	run --separate-stderr kc get --raw /version
	assert_success
	k8s_start_addr 127.0.0.12
	k8s_hosts_file "$K8S_HOSTS_FILE" 127.0.0.12
	run --separate-stderr kc get --raw /version
	assert_success
}

@test "a bearer token that is not a valid EKS token is 401 Unauthorized" {
	cat >"$KC" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: s
  cluster: {server: "$K8S_ENDPOINT", certificate-authority-data: $K8S_CA_B64}
users:
- name: t
  user: {token: "k8s-aws-v1.$(printf 'https://evil.example.com/?Action=GetCallerIdentity' | base64 -w0 | tr '+/' '-_' | tr -d =)"}
contexts:
- name: s
  context: {cluster: s, user: t}
current-context: s
EOF
	run --separate-stderr kc get --raw /api/v1/namespaces/default/services
	assert_failure
	[[ "$stderr" == *"Unauthorized"* ]]
}

#!/usr/bin/env bats
# eksl-token: every flag and documented error; the token decodes to a
# presigned STS URL that botocore verifies and the moto wrapper's STS
# redeems; secrets never reach stderr; no TLS, no libcurl.

load lib/common
load lib/moto

AK=AKIAEKSLTOKENTEST001
# Canary secrets: grep for them in everything the program prints.
SK=eksl/canary+SECRET+key+0123456789abcdefghijk
ST=eksl-canary-SESSION-token/AQoDYXdzEPT+////wEXAMPLE==

setup_file() {
	if [ -n "${EKSL_TOKEN_MOTO-1}" ]; then
		moto_start
	fi
}

teardown_file() {
	moto_stop
}

setup() {
	export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK
	unset AWS_ENDPOINT_URL_STS KUBERNETES_EXEC_INFO
}

# decode_token JSON: print the URL inside the ExecCredential's token
# (unpadded base64url after the prefix).
decode_token() {
	local t
	t=$(jq -r .status.token <<<"$1") || return 1
	[[ "$t" == k8s-aws-v1.* ]] || return 1
	t=${t#k8s-aws-v1.}
	[[ "$t" != *=* ]] || return 1
	while [ $(( ${#t} % 4 )) != 0 ]; do t="$t="; done
	basenc -d --base64url <<<"$t"
	echo
}

# absent NEEDLE HAYSTACK: fail, saying so, when NEEDLE is in HAYSTACK.
absent() {
	! grep -qF -- "$1" <<<"$2" || { echo "found: ${1:0:20}..." >&2; return 1; }
}

# verify_url URL AK SK TOKEN CLUSTER: botocore signs the same request at
# the URL's X-Amz-Date with the same credentials; the signatures match.
verify_url() {
	python3 - "$@" <<'PY'
import datetime, sys
from unittest import mock
from urllib.parse import urlsplit, parse_qsl, urlencode
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, ak, sk, tok, cluster = sys.argv[1:6]
u = urlsplit(url)
q = dict(parse_qsl(u.query, keep_blank_values=True))
assert u.scheme == "https" and u.path == "/", url
assert q["Action"] == "GetCallerIdentity" and q["Version"] == "2011-06-15"
assert q["X-Amz-Expires"] == "60", q
assert q["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id", q
assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
assert q.get("X-Amz-Security-Token") == (tok or None), "session token"
cred = q["X-Amz-Credential"].split("/")
assert cred[0] == ak and cred[3] == "sts", cred
when = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
req = AWSRequest(method="GET", url="https://%s/?Action=GetCallerIdentity"
                 "&Version=2011-06-15" % u.netloc,
                 headers={"x-k8s-aws-id": cluster})
with mock.patch.object(botocore.auth, "get_current_datetime", lambda: when):
    botocore.auth.SigV4QueryAuth(Credentials(ak, sk, tok or None), "sts",
                                 cred[2], expires=60).add_auth(req)
mine = dict(parse_qsl(urlsplit(req.url).query))["X-Amz-Signature"]
if mine != q["X-Amz-Signature"]:
    sys.exit("signature mismatch: botocore %s, eksl %s" %
             (mine, q["X-Amz-Signature"]))
print("verified", u.netloc, cred[2])
PY
}

@test "token: --help prints the usage on stdout and exits 0" {
	run --separate-stderr eksl-token --help
	assert_success
	assert_line --index 0 "usage: eksl-token (--cluster-name NAME | --cluster-id ID) [--region R]"
	assert_line --index 1 --partial "[--role-arn ARN] [--profile P] [-v] [-q]"
	[ -z "$stderr" ]
}

@test "token: --version prints the version" {
	run --separate-stderr eksl-token --version
	assert_success
	assert_output --regexp '^eksl-token .*[0-9]+\.[0-9]+\.[0-9]+'
}

@test "token: neither --cluster-name nor --cluster-id is a usage error" {
	run --separate-stderr eksl-token --region us-west-2
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: give exactly one of --cluster-name and --cluster-id" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	[ -z "$output" ]
}

@test "token: both --cluster-name and --cluster-id is a usage error" {
	run --separate-stderr eksl-token --cluster-name a --cluster-id b \
	    --region us-west-2
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: give exactly one of --cluster-name and --cluster-id" ]
	[ -z "$output" ]
}

@test "token: empty cluster name, unknown option, extra argument: exit 2" {
	run --separate-stderr eksl-token --cluster-name "" --region us-west-2
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: the cluster name is empty" ]
	run --separate-stderr eksl-token --cluster-id x --bogus
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"unrecognized option '--bogus'"* ]]
	run --separate-stderr eksl-token --cluster-id x extra
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: extra: unexpected argument" ]
}

@test "token: a malformed --region or --role-arn is a usage error" {
	run --separate-stderr eksl-token --cluster-id x --region 'us west'
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: us west: not a valid region" ]
	run --separate-stderr eksl-token --cluster-id x --region us-west-2 \
	    --role-arn arn:aws:s3:::bucket
	assert_failure 2
	[ "${stderr_lines[0]}" = "eksl-token: arn:aws:s3:::bucket: not an IAM role ARN" ]
}

@test "token: no credentials: exit 3 and the message says where it looked" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run --separate-stderr eksl-token --cluster-name x --region us-west-2
	assert_failure 3
	[ "$stderr" = "eksl-token: no credentials: looked in the environment, $AWS_SHARED_CREDENTIALS_FILE, $AWS_CONFIG_FILE (profile default)" ]
	[ -z "$output" ]
}

@test "token: no region: exit 3" {
	run --separate-stderr eksl-token --cluster-name x
	assert_failure 3
	[ "$stderr" = "eksl-token: no region: use --region, AWS_REGION, AWS_DEFAULT_REGION or the profile's region" ]
}

@test "token: an ExecCredential v1beta1 with a 14-minute expiry" {
	before=$(date -u +%s)
	run --separate-stderr eksl-token --cluster-name prod --region us-west-2
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" = 1 ]
	python3 - "$output" "$before" <<'PY'
import datetime, json, sys
o = json.loads(sys.argv[1])
before = int(sys.argv[2])
assert o["kind"] == "ExecCredential", o
assert o["apiVersion"] == "client.authentication.k8s.io/v1beta1", o
assert o["spec"] == {}, o
ts = o["status"]["expirationTimestamp"]
t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")
t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
assert before + 14 * 60 <= t <= before + 14 * 60 + 60, (ts, before)
assert o["status"]["token"].startswith("k8s-aws-v1."), o
PY
}

@test "token: KUBERNETES_EXEC_INFO picks v1 or v1beta1" {
	KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}' \
	    run --separate-stderr eksl-token --cluster-name x --region us-west-2
	assert_success
	assert_output --partial '"apiVersion":"client.authentication.k8s.io/v1",'
	KUBERNETES_EXEC_INFO='{"apiVersion":"client.authentication.k8s.io/v1beta1"}' \
	    run --separate-stderr eksl-token --cluster-name x --region us-west-2
	assert_success
	assert_output --partial '"apiVersion":"client.authentication.k8s.io/v1beta1",'
}

@test "token: a bad KUBERNETES_EXEC_INFO is exit 3" {
	KUBERNETES_EXEC_INFO='{not json' \
	    run --separate-stderr eksl-token --cluster-name x --region us-west-2
	assert_failure 3
	[[ "$stderr" == "eksl-token: KUBERNETES_EXEC_INFO: not JSON: 1:"* ]]
	[ -z "$output" ]
	KUBERNETES_EXEC_INFO='{"apiVersion":"client.authentication.k8s.io/v1alpha1"}' \
	    run --separate-stderr eksl-token --cluster-name x --region us-west-2
	assert_failure 3
	[ "$stderr" = "eksl-token: KUBERNETES_EXEC_INFO: apiVersion client.authentication.k8s.io/v1alpha1 not supported (use client.authentication.k8s.io/v1beta1 or client.authentication.k8s.io/v1)" ]
}

@test "token: the URL verifies with botocore (name, env credentials)" {
	run --separate-stderr eksl-token --cluster-name prod --region us-west-2
	assert_success
	url=$(decode_token "$output")
	[[ "$url" == "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=$AK%2F"* ]]
	run verify_url "$url" "$AK" "$SK" "" prod
	assert_success
	assert_output "verified sts.us-west-2.amazonaws.com us-west-2"
	# Another cluster name gives a signature botocore rejects for "prod".
	run --separate-stderr eksl-token --cluster-name prod2 --region us-west-2
	run verify_url "$(decode_token "$output")" "$AK" "$SK" "" prod
	assert_failure
	assert_output --partial "signature mismatch"
}

@test "token: --cluster-id with a session token verifies with botocore" {
	export AWS_SESSION_TOKEN=$ST
	id=0123abcd-4567-89ef-0123-456789abcdef
	run --separate-stderr eksl-token --cluster-id "$id" --region eu-west-1
	assert_success
	run verify_url "$(decode_token "$output")" "$AK" "$SK" "$ST" "$id"
	assert_success
	assert_output "verified sts.eu-west-1.amazonaws.com eu-west-1"
}

@test "token: the real regional STS host whatever AWS_ENDPOINT_URL* say" {
	export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ENDPOINT_URL_STS=http://127.0.0.1:9
	run --separate-stderr eksl-token --cluster-name x --region ap-south-1
	assert_success
	[[ "$(decode_token "$output")" == "https://sts.ap-south-1.amazonaws.com/?"* ]]
	run --separate-stderr eksl-token --cluster-name x --region cn-north-1
	assert_success
	run verify_url "$(decode_token "$output")" "$AK" "$SK" "" x
	assert_success
	assert_output "verified sts.cn-north-1.amazonaws.com.cn cn-north-1"
}

@test "token: region from AWS_REGION, AWS_DEFAULT_REGION and the profile" {
	AWS_DEFAULT_REGION=eu-north-1 run --separate-stderr eksl-token --cluster-name x
	assert_success
	[[ "$(decode_token "$output")" == "https://sts.eu-north-1.amazonaws.com/?"* ]]
	AWS_REGION=us-east-2 AWS_DEFAULT_REGION=eu-north-1 \
	    run --separate-stderr eksl-token --cluster-name x
	[[ "$(decode_token "$output")" == "https://sts.us-east-2.amazonaws.com/?"* ]]
	mkdir -p "$HOME/.aws"
	printf '[default]\nregion = ca-central-1\n' >"$AWS_CONFIG_FILE"
	run --separate-stderr eksl-token --cluster-name x
	assert_success
	[[ "$(decode_token "$output")" == "https://sts.ca-central-1.amazonaws.com/?"* ]]
}

@test "token: --profile reads the shared files, not the environment" {
	mkdir -p "$HOME/.aws"
	printf '[ops]\naws_access_key_id = AKIAPROFILEOPS000001\naws_secret_access_key = %s\n' \
	    "$SK" >"$AWS_SHARED_CREDENTIALS_FILE"
	printf '[profile ops]\nregion = us-west-2\n' >"$AWS_CONFIG_FILE"
	run --separate-stderr eksl-token --cluster-name x --profile ops -v
	assert_success
	url=$(decode_token "$output")
	[[ "$url" == *"X-Amz-Credential=AKIAPROFILEOPS000001%2F"* ]]
	run verify_url "$url" AKIAPROFILEOPS000001 "$SK" "" x
	assert_success
	assert_output "verified sts.us-west-2.amazonaws.com us-west-2"
	run --separate-stderr eksl-token --cluster-name x --profile nosuch
	assert_failure 3
	[[ "$stderr" == "eksl-token: "*"nosuch"* ]]
}

@test "token: credentials from a credential_process" {
	mkdir -p "$HOME/.aws"
	cat >"$HOME/creds.sh" <<-EOF
	#!/bin/sh
	printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS000000001", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2099-01-01T00:00:00Z"}\n' '$SK' '$ST'
	EOF
	chmod +x "$HOME/creds.sh"
	printf '[profile proc]\nregion = us-west-2\ncredential_process = %s\n' \
	    "$HOME/creds.sh" >"$AWS_CONFIG_FILE"
	run --separate-stderr eksl-token --cluster-name x --profile proc -v -v
	assert_success
	run verify_url "$(decode_token "$output")" AKIAPROCESS000000001 "$SK" "$ST" x
	assert_success
}

@test "token: secrets never on stderr (-v -v), the secret key nowhere" {
	export AWS_SESSION_TOKEN=$ST
	run --separate-stderr eksl-token --cluster-name x --region us-west-2 -v -v
	assert_success
	[ -n "$stderr" ]
	token=$(jq -r .status.token <<<"$output")
	# The token is the product (stdout); it carries the session token
	# inside the URL, by design, but only base64url-encoded.  The secret
	# key and the literal session token appear nowhere.
	absent "$SK" "$output$stderr"
	absent "$ST" "$output$stderr"
	absent "$token" "$stderr"
	absent "${token:11:40}" "$stderr"
	# ... also when it fails.
	AWS_ENDPOINT_URL=http://127.0.0.1:9 run --separate-stderr eksl-token \
	    --cluster-name x --region us-west-2 -v \
	    --role-arn arn:aws:iam::123456789012:role/none
	assert_failure
	absent "$SK" "$output$stderr"
	absent "$ST" "$output$stderr"
}

@test "token: -q keeps stderr empty; -v says what it did" {
	run --separate-stderr eksl-token --cluster-name x --region us-west-2 -q
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr eksl-token --cluster-name x --region us-west-2 -v
	assert_success
	[ "${stderr_lines[0]}" = "eksl-token: credentials: env, profile default" ]
	[[ "${stderr_lines[1]}" == "eksl-token: token for cluster name x in us-west-2, client.authentication.k8s.io/v1beta1, expires "* ]]
}

@test "token: a full stdout is exit 6" {
	run --separate-stderr sh -c 'eksl-token --cluster-name x --region us-west-2 >/dev/full'
	assert_failure 6
	[ "$stderr" = "eksl-token: stdout: No space left on device" ]
}

@test "token: no libcurl, libxml2 or c-ares is NEEDED" {
	run readelf -d "$(command -v eksl-token)"
	assert_success
	assert_output --partial "(NEEDED)"
	refute_output --regexp 'NEEDED.*(libcurl|libxml2|libcares|libssl)'
}

@test "token: no socket, no TLS set-up, no CA bundle read" {
	command -v strace >/dev/null || skip "strace not installed"
	export AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
	# LeakSanitizer (make SAN=1) cannot run under ptrace.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run strace -f -qq -e trace=socket,connect,openat,open \
	    eksl-token --cluster-name x --region us-west-2
	assert_success
	refute_output --regexp 'socket\(|connect\('
	refute_output --regexp 'openat\(.*(/etc/ssl|/usr/lib/ssl|certs|openssl\.cnf)'
	# The trace did see the shared files, so it was tracing the program.
	assert_output --partial "$AWS_CONFIG_FILE"
}

@test "token: the moto wrapper's STS redeems the token" {
	moto_reset
	export AWS_ACCESS_KEY_ID=$MOTO_TEST_ACCESS_KEY
	export AWS_SECRET_ACCESS_KEY=$MOTO_TEST_SECRET_KEY
	run --separate-stderr eksl-token --cluster-id my-id --region us-west-2
	assert_success
	url=$(decode_token "$output")
	local="$MOTO_URL/${url#https://sts.us-west-2.amazonaws.com/}"
	run curl -sS --noproxy '*' -H 'x-k8s-aws-id: my-id' "$local"
	assert_success
	assert_output --partial "<GetCallerIdentityResponse"
	assert_output --partial "<Arn>"
	# The header is signed: another cluster id is refused.
	run curl -sS --noproxy '*' -H 'x-k8s-aws-id: other' "$local"
	assert_output --partial "SignatureDoesNotMatch"
}

@test "token: --role-arn assumes the role through eksl-provision (moto)" {
	command -v eksl-provision >/dev/null ||
	    skip "eksl-provision is not built"
	eksl-provision --help | grep -q assume-role ||
	    skip "eksl-provision has no assume-role"
	moto_reset
	moto_env
	role=$(aws --region us-west-2 --endpoint-url "$MOTO_URL" iam create-role \
	    --role-name eksl-token-test \
	    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}' \
	    --query Role.Arn --output text)
	run --separate-stderr eksl-token --cluster-name prod --role-arn "$role" -v
	assert_success
	[[ "$stderr" == *"assuming $role (session eksl-token-"* ]]
	url=$(decode_token "$output")
	# Temporary credentials: a session token, not the base key.
	[[ "$url" == *"X-Amz-Security-Token="* ]]
	[[ "$url" != *"X-Amz-Credential=$AWS_ACCESS_KEY_ID%2F"* ]]
	[[ "$url" == "https://sts.us-west-2.amazonaws.com/?"* ]]
	local="$MOTO_URL/${url#https://sts.us-west-2.amazonaws.com/}"
	run curl -sS --noproxy '*' -H 'x-k8s-aws-id: prod' "$local"
	assert_success
	assert_output --partial "<GetCallerIdentityResponse"
	assert_output --partial "assumed-role/eksl-token-test/eksl-token-"
}

@test "token: a refused --role-arn is exit 4 with the child's reason" {
	command -v eksl-provision >/dev/null ||
	    skip "eksl-provision is not built"
	eksl-provision --help | grep -q assume-role ||
	    skip "eksl-provision has no assume-role"
	moto_reset
	moto_env
	# A 403 AccessDenied (the rule's kind only shapes the answer).
	moto_fault '{"service":"sts","kind":"throttle","status":403,"code":"AccessDenied","count":10}'
	run --separate-stderr eksl-token --cluster-name prod \
	    --role-arn arn:aws:iam::123456789012:role/x
	assert_failure 4
	[[ "$stderr" == *"eksl-token: --role-arn arn:aws:iam::123456789012:role/x: credential_process: "*"eksl-provision: exited with status 4"* ]]
	[ -z "$output" ]
}

#!/usr/bin/env bats
# The moto wrapper (tests/moto_wrapper.py) and the AWS transport (lib/aws.c)
# through the awscall test driver.

load lib/common
load lib/moto

setup_file() {
	moto_start
}

teardown_file() {
	moto_stop
}

setup() {
	moto_reset
	moto_env
}

# presign_sts [EXPIRES [CLUSTER [AGE]]]: a presigned STS GetCallerIdentity
# query string (botocore), signed AGE seconds ago for the real STS host.
presign_sts() {
	python3 - "${1:-60}" "${2:-c1}" "${3:-0}" <<'PY'
import datetime, sys
from unittest import mock
import botocore.auth, botocore.awsrequest, botocore.credentials
exp, cluster, age = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = botocore.credentials.Credentials("AKIDEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
r = botocore.awsrequest.AWSRequest(method="GET",
    url="https://sts.us-west-2.amazonaws.com/"
        "?Action=GetCallerIdentity&Version=2011-06-15",
    headers={"x-k8s-aws-id": cluster})
when = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    - datetime.timedelta(seconds=age))
with mock.patch("botocore.auth.get_current_datetime", return_value=when):
    botocore.auth.SigV4QueryAuth(c, "sts", "us-west-2", expires=exp).add_auth(r)
print(r.url.split("?", 1)[1])
PY
}

@test "wrapper: presigned STS GET is answered by moto's STS" {
	q=$(presign_sts)
	run curl -sS -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_success
	assert_output --partial '<GetCallerIdentityResponse'
	assert_output --partial '<Arn>arn:aws:sts::123456789012:user/moto</Arn>'
}

@test "wrapper: presigned STS GET with a wrong signed header is refused" {
	q=$(presign_sts)
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: other' "$MOTO_URL/?$q"
	assert_success
	assert_output --partial '<Code>SignatureDoesNotMatch</Code>'
	assert_output --regexp '403$'
	run curl -sS -w '%{http_code}' "$MOTO_URL/?$q"
	assert_output --partial 'signed header x-k8s-aws-id is missing'
	assert_output --regexp '403$'
}

@test "wrapper: expired presigned STS GET is refused" {
	q=$(presign_sts 60 c1 120)
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_success
	assert_output --partial '<Code>ExpiredToken</Code>'
	assert_output --regexp '403$'
}

@test "wrapper: presigned STS GET with an unknown key is refused" {
	q=$(presign_sts)
	q=${q//AKIDEXAMPLE/AKIDUNKNOWN}
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Code>InvalidClientTokenId</Code>'
	assert_output --regexp '403$'
}

@test "wrapper: presigned STS GET with AssumeRole credentials names the assumed role" {
	run python3 - <<'PY'
import os, boto3, botocore.auth, botocore.awsrequest, botocore.credentials
sts = boto3.client("sts", region_name="us-west-2", endpoint_url=os.environ["MOTO_URL"])
c = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/admin",
                    RoleSessionName="s1")["Credentials"]
cred = botocore.credentials.Credentials(c["AccessKeyId"], c["SecretAccessKey"],
                                        c["SessionToken"])
r = botocore.awsrequest.AWSRequest(method="GET",
    url="https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    headers={"x-k8s-aws-id": "c1"})
botocore.auth.SigV4QueryAuth(cred, "sts", "us-west-2", expires=60).add_auth(r)
print(r.url.split("?", 1)[1])
PY
	assert_success
	q=$output
	[[ $q == *X-Amz-Security-Token=* ]]
	run curl -sS -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Arn>arn:aws:sts::123456789012:assumed-role/admin/s1</Arn>'
	# The token is signed too: change it and the signature fails.
	run curl -sS -H 'x-k8s-aws-id: c1' "$MOTO_URL/?${q/X-Amz-Security-Token=/X-Amz-Security-Token=x}"
	assert_output --partial '<Code>SignatureDoesNotMatch</Code>'
}

@test "wrapper: keys registered with /_eksl/keys verify presigned GETs" {
	run curl -sS -X POST -d '{"AKIDOTHER":"othersecret"}' "$MOTO_URL/_eksl/keys"
	assert_output '{"ok": true}'
	q=$(presign_sts)
	q=${q//AKIDEXAMPLE/AKIDOTHER}
	# Same signature under another key: refused.
	run curl -sS -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Code>SignatureDoesNotMatch</Code>'
	q=$(python3 - <<'PY'
import botocore.auth, botocore.awsrequest, botocore.credentials
c = botocore.credentials.Credentials("AKIDOTHER", "othersecret")
r = botocore.awsrequest.AWSRequest(method="GET",
    url="https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    headers={"x-k8s-aws-id": "c1"})
botocore.auth.SigV4QueryAuth(c, "sts", "us-west-2", expires=60).add_auth(r)
print(r.url.split("?", 1)[1])
PY
)
	run curl -sS -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<GetCallerIdentityResponse'
}

@test "wrapper: a throttle fault answers N times, then moto answers" {
	moto_fault '{"service":"sts","action":"GetCallerIdentity","kind":"throttle","count":2}'
	q=$(presign_sts)
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Code>Throttling</Code>'
	assert_output --regexp '400$'
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Code>Throttling</Code>'
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<GetCallerIdentityResponse'
	assert_output --regexp '200$'
}

@test "wrapper: request log records each request; reset clears it" {
	q=$(presign_sts)
	curl -sS -o /dev/null -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	curl -sS -o /dev/null -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	run bash -c 'moto_requests() { curl -sS "$MOTO_URL/_eksl/requests"; }; moto_requests | jq -r ".[] | [.method, .service, .action, .headers[\"x-k8s-aws-id\"]] | @tsv"'
	assert_success
	assert_output "$(printf 'GET\tsts\tGetCallerIdentity\tc1\nGET\tsts\tGetCallerIdentity\tc1')"
	moto_reset
	run moto_requests
	assert_output '[]'
}

@test "wrapper: reset fault drops the connection, 503 fault answers 503" {
	moto_fault '{"service":"*","kind":"reset","count":5}'
	q=$(presign_sts)
	run curl -sS --retry 0 -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_failure
	assert_output --regexp 'Empty reply|reset|Recv failure'
	curl -sS -X DELETE "$MOTO_URL/_eksl/faults" >/dev/null
	moto_fault '{"service":"sts","kind":"503","count":1}'
	run curl -sS -w '%{http_code}' -H 'x-k8s-aws-id: c1' "$MOTO_URL/?$q"
	assert_output --partial '<Code>ServiceUnavailable</Code>'
	assert_output --regexp '503$'
}

@test "wrapper: a bad fault rule is refused" {
	run moto_fault '{"kind":"nonsense"}'
	assert_failure
	assert_output --partial 'bad fault rule'
}

@test "wrapper: canned DescribeCluster sequence; CreateCluster keeps outpostConfig and id" {
	moto_canned canned1 '{"sequence":[{"name":"canned1","status":"CREATING","id":"11111111-2222-3333-4444-555555555555"},{"name":"canned1","status":"ACTIVE","id":"11111111-2222-3333-4444-555555555555"}]}'
	run python3 - <<'PY'
import os, boto3
eks = boto3.client("eks", region_name="us-west-2", endpoint_url=os.environ["MOTO_URL"])
for _ in range(3):
    print(eks.describe_cluster(name="canned1")["cluster"]["status"])
c = eks.create_cluster(name="local1", roleArn="arn:aws:iam::123456789012:role/r",
    resourcesVpcConfig={"subnetIds": ["subnet-1"]},
    outpostConfig={"outpostArns": ["arn:aws:outposts:us-west-2:123456789012:outpost/op-1"],
                   "controlPlaneInstanceType": "m5.large"})["cluster"]
d = eks.describe_cluster(name="local1")["cluster"]
print(d["outpostConfig"]["controlPlaneInstanceType"], d["id"] == c["id"], len(d["id"]))
PY
	assert_success
	assert_output "$(printf 'CREATING\nACTIVE\nACTIVE\nm5.large True 36')"
}

# The transport, through the awscall test driver.

awscall() {
	"$EKSL_BUILD/tools/awscall" "$@"
}

# requests_of SERVICE: "action x-amz-date authorization-signature" lines.
requests_of() {
	moto_requests | jq -r --arg s "$1" '.[] | select(.service == $s) |
	    [.action, .headers["x-amz-date"],
	     (.headers.authorization | capture("Signature=(?<s>[0-9a-f]+)").s)]
	    | @tsv'
}

@test "transport: 2x throttling then success takes 3 attempts, each re-signed" {
	[ -x "$EKSL_BUILD/tools/awscall" ] || skip "awscall not built"
	export EKSL_AWS_RETRY_BASE_MS=1
	# Each throttle answer comes 1.1 s late, so each attempt has its own
	# X-Amz-Date and so its own signature.
	moto_fault '{"service":"eks","action":"ListClusters","kind":"throttle","count":2,"delay_ms":1100}'
	run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_success
	assert_output '{"clusters":[]}'
	assert_equal "$stderr" ""
	run requests_of eks
	assert_equal "${#lines[@]}" 3
	# Fresh dates and signatures: three different ones of each.
	run bash -c "$(declare -f requests_of moto_requests _moto_curl); requests_of eks | cut -f2 | sort -u | wc -l"
	assert_output 3
	run bash -c "$(declare -f requests_of moto_requests _moto_curl); requests_of eks | cut -f3 | sort -u | wc -l"
	assert_output 3
}

@test "transport: EKS throttling error code comes from x-amzn-ErrorType" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"eks","kind":"throttle","count":5}'
	run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_failure 4
	assert_equal "$stderr" "awscall: ThrottlingException: Rate exceeded (HTTP 400, 3 attempts)"
}

@test "transport: persistent 503 ends with exit 4 after 3 attempts naming the error" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"eks","kind":"503","count":100}'
	run --separate-stderr awscall --service eks --method GET --path /clusters/x
	assert_failure 4
	assert_equal "$stderr" "awscall: ServiceUnavailableException: Service is unavailable; try again (HTTP 503, 3 attempts)"
	run requests_of eks
	assert_equal "${#lines[@]}" 3
}

@test "transport: Query service error from XML, not retried when not transient" {
	export EKSL_AWS_RETRY_BASE_MS=1
	run --separate-stderr awscall --query iam GetRole 2010-05-08 RoleName=nosuchrole
	assert_failure 4
	assert_regex "$stderr" '^awscall: NoSuchEntity: .*nosuchrole.* \(HTTP 404, 1 attempt\)$'
}

@test "transport: STS throttling (XML) is retried; EC2 answers XML" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"sts","kind":"throttle","count":1}'
	moto_fault '{"service":"ec2","kind":"throttle","count":1}'
	run --separate-stderr awscall --caller
	assert_success
	assert_output 'arn:aws:sts::123456789012:user/moto 123456789012'
	run --separate-stderr awscall --query ec2 DescribeInstances 2016-11-15
	assert_success
	assert_output --partial '<DescribeInstancesResponse'
	run bash -c 'curl -s "$MOTO_URL/_eksl/requests" | jq -r ".[] | .service + \" \" + .action"'
	assert_output "$(printf 'sts GetCallerIdentity\nsts GetCallerIdentity\nec2 DescribeInstances\nec2 DescribeInstances')"
}

# body_fault SERVICE TEXT: the next call to SERVICE is answered 200 TEXT.
body_fault() {
	moto_fault "$(jq -cn --arg s "$1" --arg b "$2" \
	    '{service: $s, kind: "body", body: $b}')"
}

@test "Query answers: namespaces, entities and CDATA are read (lib/xml)" {
	body_fault sts '<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <!-- a comment --><Arn>arn:aws:iam::1:user/a&amp;b&#x2D;c</Arn>
    <Account><![CDATA[123]]></Account>
  </GetCallerIdentityResult>
</GetCallerIdentityResponse>'
	run --separate-stderr awscall --caller
	assert_success
	assert_output 'arn:aws:iam::1:user/a&b-c 123'
	assert_equal "$stderr" ""
}

@test "Query answers: XML that is not well-formed is refused with its position (exit 4, not retried)" {
	export EKSL_AWS_RETRY_BASE_MS=1
	body_fault sts '<GetCallerIdentityResponse><Arn>x</GetCallerIdentityResponse>'
	run --separate-stderr awscall --caller
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "awscall: BadAnswer: sts GetCallerIdentity: the answer is not XML: line 1, column 34: </GetCallerIdentityResponse> does not close <Arn> (HTTP 200, 1 attempt)"
	run requests_of sts
	assert_equal "${#lines[@]}" 1
}

@test "Query answers: a DOCTYPE (external entity, entity expansion) is refused, nothing is read" {
	body_fault sts "<?xml version=\"1.0\"?>
<!DOCTYPE a [<!ENTITY e SYSTEM \"file://$BATS_TEST_TMPDIR/secret\">]>
<GetCallerIdentityResponse><Arn>&e;</Arn></GetCallerIdentityResponse>"
	echo 'arn:aws:iam::1:user/leaked' >"$BATS_TEST_TMPDIR/secret"
	run --separate-stderr awscall --caller
	assert_failure 4
	assert_output ""
	assert_equal "$stderr" "awscall: BadAnswer: sts GetCallerIdentity: the answer is not XML: line 2, column 1: a DOCTYPE (no DTD or entity is allowed) (HTTP 200, 1 attempt)"
}

@test "transport: a closed port ends quickly with exit 5" {
	export EKSL_AWS_RETRY_BASE_MS=10
	start=$(date +%s%N)
	run --separate-stderr awscall --endpoint-url http://127.0.0.1:1 --service eks --method GET --path /clusters
	end=$(date +%s%N)
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectFailed: 127\.0\.0\.1:1: .*\(3 attempts\)$'
	[ $(( (end - start) / 1000000 )) -lt 2000 ]
}

@test "transport: a dropped connection is retried" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"sts","kind":"reset","count":1}'
	run --separate-stderr awscall --caller
	assert_success
	assert_output 'arn:aws:sts::123456789012:user/moto 123456789012'
}

@test "transport: a dropped connection every time ends with exit 5" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"sts","kind":"reset","count":100}'
	run --separate-stderr awscall --caller
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectionError: 127\.0\.0\.1:[0-9]+: .*\(3 attempts\)$'
}

@test "transport: total timeout ends with exit 5" {
	export EKSL_AWS_RETRY_BASE_MS=1 AWS_MAX_ATTEMPTS=1
	moto_fault '{"service":"sts","kind":"delay","delay_ms":1500,"count":1}'
	run --separate-stderr awscall --timeout 300 --caller
	assert_failure 5
	assert_regex "$stderr" '^awscall: Timeout: 127\.0\.0\.1:[0-9]+: .*timed out.*\(1 attempt\)$'
}

@test "transport: clock skew answer, then success signed with the server's time" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"eks","kind":"skew","skew_s":3600,"count":1}'
	run --separate-stderr awscall -v --service eks --method GET --path /clusters
	assert_success
	assert_output '{"clusters":[]}'
	[[ $stderr == *"clock skew: server time is +3600 s from ours"* ]]
	run bash -c 'curl -s "$MOTO_URL/_eksl/requests" | jq -r ".[].headers[\"x-amz-date\"]"'
	assert_equal "${#lines[@]}" 2
	d1=$(date -u -d "$(sed -E 's/(....)(..)(..)T(..)(..)(..)Z/\1-\2-\3 \4:\5:\6/' <<<"${lines[0]}")" +%s)
	d2=$(date -u -d "$(sed -E 's/(....)(..)(..)T(..)(..)(..)Z/\1-\2-\3 \4:\5:\6/' <<<"${lines[1]}")" +%s)
	[ $((d2 - d1)) -ge 3590 ] && [ $((d2 - d1)) -le 3610 ]
}

@test "transport: a signature error that is not skew is not retried" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"sts","kind":"skew","code":"SignatureDoesNotMatch","message":"The request signature we calculated does not match","count":1}'
	run --separate-stderr awscall --caller
	assert_failure 4
	assert_equal "$stderr" "awscall: SignatureDoesNotMatch: The request signature we calculated does not match (HTTP 403, 1 attempt)"
}

@test "transport: -v and -vv logs carry no secret" {
	export AWS_SESSION_TOKEN=FQoGZXIvYXdzEXAMPLESESSIONTOKENvalue
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_fault '{"service":"sts","kind":"throttle","count":1}'
	run --separate-stderr awscall -vv --assume-role arn:aws:iam::123456789012:role/r
	assert_success
	assert_output --regexp '^ASIA[A-Z0-9]+ token [0-9]+$'
	[[ $stderr == *'Authorization: [redacted]'* ]]
	[[ $stderr == *'X-Amz-Security-Token: [redacted]'* ]]
	[[ $stderr == *'<SecretAccessKey>[redacted]</SecretAccessKey>'* ]]
	[[ $stderr == *'<SessionToken>[redacted]</SessionToken>'* ]]
	run grep -cF -e "$AWS_SECRET_ACCESS_KEY" -e "$AWS_SESSION_TOKEN" <<<"$stderr"
	assert_output 0
	# The secret key of the assumed role must not appear either.
	run grep -c '<SecretAccessKey>[^[]' <<<"$stderr"
	assert_output 0
}

@test "transport: AWS_ENDPOINT_URL_EKS overrides AWS_ENDPOINT_URL for eks only" {
	export EKSL_AWS_RETRY_BASE_MS=1
	export AWS_ENDPOINT_URL=http://127.0.0.1:1
	export AWS_ENDPOINT_URL_EKS=$MOTO_URL/
	run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_success
	assert_output '{"clusters":[]}'
	run --separate-stderr awscall --caller
	assert_failure 5
	assert_regex "$stderr" '^awscall: ConnectFailed: 127\.0\.0\.1:1: '
}

@test "transport: no region is an input error (exit 3)" {
	unset AWS_REGION
	run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_failure 3
	assert_equal "$stderr" "awscall: NoRegion: eks: no region: use --region, AWS_REGION or the profile's region (0 attempts)"
}

@test "transport: a bad endpoint URL is an input error (exit 3)" {
	run --separate-stderr awscall --endpoint-url ftp://x --service eks --method GET --path /clusters
	assert_failure 3
	assert_equal "$stderr" 'awscall: BadEndpoint: eks: endpoint "ftp://x" is not an http(s)://host[:port][/path] URL (0 attempts)'
}

@test "transport: TLS is verified (plain-HTTP server on https fails, exit 5)" {
	export EKSL_AWS_RETRY_BASE_MS=1
	run --separate-stderr awscall --endpoint-url "https://${MOTO_URL#http://}" --service eks --method GET --path /clusters
	assert_failure 5
	assert_regex "$stderr" '^awscall: (TLSError|ConnectionError): '
}

@test "transport: canned DescribeCluster through the REST-JSON call" {
	moto_canned lc1 '{"sequence":[{"name":"lc1","id":"0123","status":"CREATING"},{"name":"lc1","id":"0123","status":"ACTIVE"}]}'
	run awscall --service eks --method GET --path /clusters/lc1
	assert_output '{"cluster":{"id":"0123","name":"lc1","status":"CREATING"}}'
	run awscall --service eks --method GET --path /clusters/lc1
	assert_output '{"cluster":{"id":"0123","name":"lc1","status":"ACTIVE"}}'
}

@test "transport: a body-less DELETE sends no body and no Content-Type" {
	run --separate-stderr awscall --service eks --method DELETE --path /clusters/nosuch
	assert_failure 4
	assert_regex "$stderr" '^awscall: ResourceNotFoundException: '
	run bash -c 'curl -s "$MOTO_URL/_eksl/requests" | jq -c ".[] | [.method, .body, (.headers | has(\"content-type\")), (.headers.authorization | test(\"SignedHeaders=host;x-amz-date\"))]"'
	assert_output '["DELETE","",false,true]'
}

@test "transport: a server's error message is one bounded line, its secrets masked" {
	export EKSL_AWS_RETRY_BASE_MS=1
	long=$(printf 'x%.0s' $(seq 1 400))
	moto_fault "{\"service\":\"eks\",\"kind\":\"throttle\",\"count\":1,\"code\":\"Denied<x>\",\"message\":\"one\\r\\ntwo\\u0007 SessionToken=abcdefgh&more $long\"}"
	AWS_MAX_ATTEMPTS=1 run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_failure 4
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^awscall: Deniedx: one two SessionToken=<redacted>&more x+\.\.\. \(HTTP 400, 1 attempt\)$'
	# "awscall: Deniedx: ", at most 200 bytes and "...", the suffix
	[ "${#stderr}" -le $((18 + 203 + 22)) ]
}

@test "transport: a server's echo of our secret key or session token is masked in the error" {
	export EKSL_AWS_RETRY_BASE_MS=1
	# From the credentials file: the message layer knows only the
	# environment's secrets, so this masking is the transport's own.
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	mkdir -p "$HOME/.aws"
	printf '[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = FileSecretKey0123456789\naws_session_token = FileSessionToken0123456789\n' >"$AWS_SHARED_CREDENTIALS_FILE"
	moto_fault '{"service":"eks","kind":"throttle","count":1,"code":"AccessDenied","message":"you sent FileSessionToken0123456789 and (FileSecretKey0123456789)"}'
	AWS_MAX_ATTEMPTS=1 run --separate-stderr awscall --service eks --method GET --path /clusters
	assert_failure 4
	assert_equal "$stderr" "awscall: AccessDenied: you sent <redacted> and (<redacted>) (HTTP 400, 1 attempt)"
}

@test "transport: describe asks EC2 for instances and ENIs at once" {
	export EKSL_AWS_RETRY_BASE_MS=1
	moto_canned lc3 '{"sequence":[{"name":"lc3","arn":"arn:aws:eks:us-west-2:123456789012:cluster/lc3","status":"ACTIVE","endpoint":"https://LC3.gr7.us-west-2.eks.amazonaws.com","certificateAuthority":{"data":"Y2E="}}]}'
	# DescribeInstances answers a second late; in turn, the ENI call
	# would come after it.
	moto_fault '{"service":"ec2","action":"DescribeInstances","kind":"delay","delay_ms":1000,"count":1}'
	run --separate-stderr eksl-provision describe --name lc3
	assert_success
	assert_output --partial '"name":"lc3"'
	assert_output --partial '"controlPlane":[],"addresses":[]'
	run bash -c 'curl -s "$MOTO_URL/_eksl/requests" | jq -r "[.[] | select(.service == \"ec2\")] | (.[1].time - .[0].time) * 1000 | floor"'
	assert_success
	[ "$output" -lt 500 ]
}

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

#!/usr/bin/env bats
# eksl-provision: offline validation against the fixtures, and create,
# describe, delete and assume-role against the moto wrapper, which also
# answers what moto lacks (the Outposts API, subnets' Outpost ARNs,
# placement groups).

load lib/common
load lib/moto

FIX=tests/fixtures/clusterconfig
OUTPOST=arn:aws:outposts:us-west-2:111122223333:outpost/op-0123456789abcdef0

setup_file() {
	cd "$EKSL_TOP" || return 1
	moto_start
	# moto builds its EC2 backend on first use, which is slow: do it once
	# here.  Tests do not reset moto (a reset costs as much again); each
	# uses its own cluster name, VPC and subnet instead.
	moto_bench POST network '{}' >/dev/null
}

teardown_file() {
	moto_stop
}

setup() {
	cd "$EKSL_TOP" || return 1
	export EKSL_POLL_MS=20
}

# bench [--no-dns-hostnames]: clear the wrapper's log, faults and canned
# answers; make a VPC and a subnet on the Outpost; write $CFG (the example
# with their ids and this test's cluster name $NAME, "my-cluster" unless
# set).
bench() {
	: "${NAME:=t$BATS_TEST_NUMBER}"
	moto_env
	_moto_curl DELETE /_eksl/faults >/dev/null
	_moto_curl DELETE "/_eksl/clusters/$NAME" >/dev/null
	local net hostnames=true
	[ "${1-}" = --no-dns-hostnames ] && hostnames=false
	net=$(moto_bench POST network "{\"dnsHostnames\": $hostnames}")
	VPC=$(jq -r .vpc <<<"$net")
	SUBNET=$(jq -r .subnet <<<"$net")
	outpost_state "[\"$SUBNET\"]" '["m5d.large", "m5.xlarge"]'
	CFG=$BATS_TEST_TMPDIR/outpost-control-plane.yaml
	sed -e "s/vpc-0a1b2c3d4e5f60718/$VPC/" \
	    -e "s/subnet-0a1b2c3d4e5f60718/$SUBNET/" \
	    -e "s/name: my-cluster/name: $NAME/" \
	    examples/outpost-control-plane.yaml >"$CFG"
	_moto_curl DELETE /_eksl/requests >/dev/null
}

# outpost_state ON_OUTPOST_JSON TYPES_JSON [PLACEMENT_GROUPS_JSON [FREE_IPS]]:
# the Outpost the wrapper plays.
outpost_state() {
	moto_outpost "$(printf '{"outpostId": "op-0123456789abcdef0", "outpostArn": "%s", "onOutpost": %s, "types": %s, "placementGroups": %s%s}\n' \
	    "$OUTPOST" "$1" "$2" "${3:-[]}" "${4:+, \"freeIps\": $4}")"
}

control_plane() {
	moto_bench POST instances "{\"name\": \"$NAME\", \"subnet\": \"$SUBNET\",
	    \"ips\": [\"127.0.0.11\", \"127.0.0.12\", \"127.0.0.13\"]}" >/dev/null
	_moto_curl DELETE /_eksl/requests >/dev/null
}

# requests ACTION: the recorded requests of that action, as a JSON array.
requests() {
	moto_requests | jq --arg a "$1" '[.[] | select(.action == $a)]'
}

# A canned DescribeCluster object for $NAME.
cluster_json() {
	local status=$1 issues=${2:-[]}
	cat <<EOF
{"name": "$NAME", "arn": "arn:aws:eks:us-west-2:123456789012:cluster/$NAME",
 "id": "a1b2c3d4-0000-4000-8000-000000000001", "status": "$status",
 "version": "1.30", "endpoint": "https://a1b2c3d4.gr7.us-west-2.eks.amazonaws.com",
 "certificateAuthority": {"data": "LS0tLS1CRUdJTg=="},
 "outpostConfig": {"outpostArns": ["$OUTPOST"], "controlPlaneInstanceType": "m5d.large"},
 "health": {"issues": $issues}}
EOF
}

ISSUE='[{"code": "ClusterUnreachable", "message": "the control plane instances cannot reach the Region", "resourceIds": ["i-1"]}]'

# ---- usage ------------------------------------------------------------

@test "--help prints the usage on stdout and matches the man page" {
	run --separate-stderr eksl-provision --help
	assert_success
	assert_output --partial 'usage: eksl-provision validate -f FILE [--online]'
	assert_output --partial 'eksl-provision create -f FILE [--no-wait] [--timeout DURATION] [--dry-run]'
	assert_output --partial 'eksl-provision assume-role --role-arn ARN [--session-name NAME] [--duration SECONDS]'
	assert_output --partial 'common: [--region R] [--profile P] [--endpoint-url URL] [-v] [-q]'
	[ -z "$stderr" ]
	run mandoc -Tlint -Wwarning man/eksl-provision.1
	assert_success
	assert_output ''
}

@test "--version" {
	run --separate-stderr eksl-provision --version
	assert_success
	assert_output --regexp '^eksl-provision .*[0-9]+\.[0-9]+'
}

@test "usage errors exit 2 with the reason and the usage" {
	local args want rc err
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		eksl-provision $args >"$BATS_TEST_TMPDIR/out" \
		    2>"$BATS_TEST_TMPDIR/err" && rc=0 || rc=$?
		err=$(<"$BATS_TEST_TMPDIR/err")
		[ "$rc" -eq 2 ] || { echo "$args: status $rc" >&2; false; }
		[ ! -s "$BATS_TEST_TMPDIR/out" ]
		case $err in
		"eksl-provision: $want"*"usage: eksl-provision"*) ;;
		*) echo "$args: $err" >&2; false ;;
		esac
	done <<'EOF'
|a command is needed
frobnicate|frobnicate: not a command
validate|validate: exactly one -f FILE
validate -f a -f b|validate: exactly one -f FILE
validate -f a --no-wait|validate: --no-wait, --dry-run and --timeout are for create
validate -f a --name x|validate: --name, --role-arn and --with-network do not apply
create -f a --with-network|create: --name, --role-arn and --with-network do not apply
delete --name x --no-wait --with-network|delete: --with-network waits for the cluster to be gone; not with --no-wait
describe --name x --with-network|describe: --no-wait is for create and delete, --with-network for delete
create -f a --online|create: --online is for validate
create -f a --timeout 10x|--timeout 10x: want a duration like 90s, 10m or 1h
create -f a --timeout 0s|--timeout 0s: want a duration
describe|describe: --name NAME is needed
describe --name 1bad|--name 1bad: not a cluster name
describe --name x --no-wait|describe: --no-wait is for create and delete
delete --name x -f a|delete: -f, --online, --dry-run and --role-arn do not apply
assume-role|assume-role: --role-arn ARN is needed
assume-role --role-arn r --duration 60|--duration 60: want seconds from 900 to 43200
assume-role --role-arn r --session-name a/b|--session-name a/b: want 2 to 64
assume-role --role-arn r --name x|assume-role: only --role-arn
describe --name x extra|extra: unexpected argument
EOF
	run --separate-stderr eksl-provision describe --bogus
	[ "$status" -eq 2 ]
	# Options may come before the command.
	run --separate-stderr eksl-provision -q validate -f examples/outpost-control-plane.yaml
	assert_success
	# The durations the man page names are accepted.
	for t in 90s 10m 1h 2400; do
		run --separate-stderr eksl-provision create --dry-run --timeout "$t" \
		    -f examples/outpost-control-plane.yaml
		[ "$status" -eq 0 ] || { echo "--timeout $t: $stderr" >&2; false; }
	done
}

# ---- offline validation -------------------------------------------------

@test "every failing fixture exits 3 with file:line:column and the reason" {
	local f want line rc err n=0
	for f in "$FIX"/bad-*.yaml; do
		want=
		while IFS= read -r line; do
			case $line in "# want: "*) want=${line#"# want: "}; break ;; esac
		done <"$f"
		[ -n "$want" ]
		# Not bats' run: 58 fixtures, so keep each one cheap.
		eksl-provision validate -f "$f" >"$BATS_TEST_TMPDIR/out" \
		    2>"$BATS_TEST_TMPDIR/err" && rc=0 || rc=$?
		err=$(<"$BATS_TEST_TMPDIR/err")
		if [ "$rc" -ne 3 ] || [ -s "$BATS_TEST_TMPDIR/out" ]; then
			echo "$f: status $rc" >&2
			return 1
		fi
		# "eksl-provision: FILE:L:C: ...reason..."
		case $err in
		"eksl-provision: $f:${want%% *} "*"${want#* }"*) ;;
		*) echo "$f: want '$want', got '$err'" >&2; return 1 ;;
		esac
		n=$((n + 1))
	done
	[ "$n" -ge 50 ]
}

@test "create refuses a failing fixture the same way, before any request" {
	moto_reset
	moto_env
	run --separate-stderr eksl-provision create -f "$FIX/bad-public-true.yaml"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $FIX/bad-public-true.yaml:12:19: vpc.clusterEndpoints.publicAccess: must be false for a local cluster"
	run moto_requests
	assert_output '[]'
}

@test "the good fixtures and the example validate silently" {
	local f
	for f in "$FIX"/good-*.yaml examples/outpost-control-plane.yaml; do
		run --separate-stderr eksl-provision validate -f "$f"
		[ "$status" -eq 0 ] || { echo "$f: $stderr" >&2; false; }
		[ -z "$output" ] && [ -z "$stderr" ]
	done
}

@test "the user guide's file as written parses and stops at its first placeholder" {
	run --separate-stderr eksl-provision validate -f "$FIX/userguide-as-written.yaml"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $FIX/userguide-as-written.yaml:8:11: metadata.region: region-code: not a region id (like us-west-2)"
	# With its placeholders filled in, it is valid as it stands.
	sed -e 's/region-code/us-west-2/g' -e 's/op-uniqueid/op-0123456789abcdef0/' \
	    "$FIX/userguide-as-written.yaml" >"$BATS_TEST_TMPDIR/ug.yaml"
	run --separate-stderr eksl-provision validate -f "$BATS_TEST_TMPDIR/ug.yaml"
	assert_success
	# The man page carries the file exactly.
	sed -n '/^apiVersion/,/controlPlaneInstanceType/p' \
	    "$FIX/userguide-as-written.yaml" >"$BATS_TEST_TMPDIR/a"
	sed -n '/^apiVersion/,/controlPlaneInstanceType/p' \
	    man/eksl-provision.1 >"$BATS_TEST_TMPDIR/b"
	run diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
}

@test "validate: a missing file exits 3" {
	run --separate-stderr eksl-provision validate -f "$BATS_TEST_TMPDIR/none.yaml"
	assert_equal "$status" 3
	assert_equal "${stderr%%:*}" "eksl-provision"
	grep -qF "$BATS_TEST_TMPDIR/none.yaml" <<<"$stderr"
}

@test "validate -v gives the capacity advice; -q stays silent" {
	run --separate-stderr eksl-provision validate -v -f examples/outpost-control-plane.yaml
	assert_success
	grep -qF 'eksl-provision: m5d.large: the user guide sizes this control-plane instance type for up to 20 worker nodes' <<<"$stderr"
	run --separate-stderr eksl-provision validate -v -f "$FIX/good-full.yaml"
	grep -qF 'm5.xlarge: the user guide sizes this control-plane instance type for up to 100 worker nodes' <<<"$stderr"
	run --separate-stderr eksl-provision validate -q -f "$FIX/good-full.yaml"
	assert_success
	[ -z "$stderr" ]
}

@test "--region must agree with metadata.region" {
	run --separate-stderr eksl-provision validate --region us-east-1 -f examples/outpost-control-plane.yaml
	assert_equal "$status" 2
	assert_equal "$stderr" "eksl-provision: --region us-east-1 differs from metadata.region us-west-2 in examples/outpost-control-plane.yaml"
}

# ---- create --------------------------------------------------------------

@test "create --dry-run prints the requests and sends nothing" {
	NAME=my-cluster bench
	run --separate-stderr eksl-provision create --dry-run -f "$CFG"
	assert_success
	[ "$(wc -l <<<"$output")" -eq 3 ]
	jq -e -s '.[0].action == "CreateRole" and .[1].action == "AttachRolePolicy"
	    and .[1].params.PolicyArn == "arn:aws:iam::aws:policy/AmazonEKSLocalOutpostClusterPolicy"
	    and (.[0].params.AssumeRolePolicyDocument | fromjson
	         | .Statement[0].Principal.Service == "ec2.amazonaws.com")
	    and .[2].action == "CreateCluster" and .[2].path == "/clusters"
	    and .[2].body.resourcesVpcConfig.endpointPrivateAccess == true
	    and .[2].body.resourcesVpcConfig.endpointPublicAccess == false
	    and .[2].body.outpostConfig.outpostArns == ["'"$OUTPOST"'"]
	    and .[2].body.roleArn == "arn:aws:iam::ACCOUNT:role/eksl-my-cluster-cluster-role"
	    and (.[2].body.clientRequestToken | test("^eksl-[0-9a-f]{32}$"))' <<<"$output"
	run moto_requests
	assert_output '[]'
}

@test "create --dry-run: every key of the config reaches the request" {
	run --separate-stderr eksl-provision create --dry-run -f "$FIX/good-full.yaml"
	assert_success
	# A named role: no IAM requests at all.
	[ "$(wc -l <<<"$output")" -eq 1 ]
	jq -e '.body | .name == "Full-Cluster-2" and .version == "1.29"
	    and .tags == {"team": "platform", "cost-center": "4711"}
	    and .resourcesVpcConfig.securityGroupIds == ["sg-0123456789abcdef0"]
	    and (.resourcesVpcConfig.subnetIds | length == 3)
	    and .outpostConfig.controlPlanePlacement == {"groupName": "my-cluster-pg"}
	    and .outpostConfig.controlPlaneInstanceType == "m5.xlarge"
	    and .roleArn == "arn:aws:iam::111122223333:role/my-cluster-role"' <<<"$output"
	run --separate-stderr eksl-provision create --dry-run -f "$FIX/good-instance-store.yaml"
	assert_success
	jq -e -s '(.[0].params.AssumeRolePolicyDocument | fromjson
	         | .Statement[0].Principal.Service == "eks.amazonaws.com")
	    and .[1].params.PolicyArn == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	    and .[2].body.outpostConfig.etcdInstanceType == "i3en.xlarge"
	    and .[2].body.outpostConfig.etcdPlacement == {"spreadLevel": "host"}
	    and .[2].body.outpostConfig.controlPlanePlacement == {"spreadLevel": "rack"}
	    and .[2].body.accessConfig == {"bootstrapClusterCreatorAdminPermissions": true,
	        "authenticationMode": "API_AND_CONFIG_MAP"}' <<<"$output"
}

@test "create: the request carries outpostConfig, private-only endpoints and the token; the role has its policy; the record lists the control plane" {
	NAME=my-cluster
	bench
	control_plane
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	rec=$output
	# The request moto recorded.
	body=$(requests CreateCluster | jq -r '.[0].body')
	jq -e --arg o "$OUTPOST" --arg s "$SUBNET" '
	    .name == "my-cluster" and .version == "1.30"
	    and .outpostConfig.outpostArns == [$o]
	    and .outpostConfig.controlPlaneInstanceType == "m5d.large"
	    and .resourcesVpcConfig.subnetIds == [$s]
	    and .resourcesVpcConfig.endpointPrivateAccess == true
	    and .resourcesVpcConfig.endpointPublicAccess == false
	    and .accessConfig.authenticationMode == "CONFIG_MAP"
	    and .accessConfig.bootstrapClusterCreatorAdminPermissions == true
	    and .roleArn == "arn:aws:iam::123456789012:role/eksl-my-cluster-cluster-role"
	    and (.clientRequestToken | test("^eksl-[0-9a-f]{32}$"))' <<<"$body"
	# The token in the dry run is the token sent.
	tok=$(jq -r .clientRequestToken <<<"$body")
	run eksl-provision create --dry-run -f "$CFG"
	assert_output --partial "\"clientRequestToken\":\"$tok\""
	# The role exists, trusts EC2 and has the policy attached.
	run moto_bench GET 'role?name=eksl-my-cluster-cluster-role'
	assert_success
	assert_output '{"trust": ["ec2.amazonaws.com"], "policies": ["arn:aws:iam::aws:policy/AmazonEKSLocalOutpostClusterPolicy"]}'
	# The record.
	jq -e --arg o "$OUTPOST" '
	    .schema == "eksl.cluster.v1" and .name == "my-cluster"
	    and .region == "us-west-2" and .status == "ACTIVE"
	    and (.arn | startswith("arn:aws:eks:us-west-2:")) and (.id | length > 0)
	    and (.endpoint | startswith("https://")) and (.host | length > 0)
	    and .outpost.arn == $o and .outpost.controlPlaneInstanceType == "m5d.large"
	    and .creator.arn == "arn:aws:sts::123456789012:user/moto"
	    and ([.controlPlane[].name] == ["my-cluster-control-plane-1",
	         "my-cluster-control-plane-2", "my-cluster-control-plane-3"])
	    and ([.controlPlane[].privateIp] == ["127.0.0.11", "127.0.0.12", "127.0.0.13"])
	    and ([.controlPlane[].state] | unique == ["running"])
	    and ([.controlPlane[].instanceId | test("^i-")] | all)
	    and .addresses == [{"ip": "127.0.0.11", "source": "ec2"},
	         {"ip": "127.0.0.12", "source": "ec2"}, {"ip": "127.0.0.13", "source": "ec2"}]' <<<"$rec"
	[ "$(wc -l <<<"$rec")" -eq 1 ]
	grep -qF 'creator arn:aws:sts::123456789012:user/moto stays cluster admin' <<<"$stderr"
}

@test "create: CREATING with a health issue, then ACTIVE: the issue is shown once and the wait ends" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING "$ISSUE"), $(cluster_json CREATING "$ISSUE"), $(cluster_json CREATING), $(cluster_json ACTIVE)]}"
	EKSL_POLL_MS=100 run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	jq -e '.status == "ACTIVE" and .id == "a1b2c3d4-0000-4000-8000-000000000001"
	    and .host == "a1b2c3d4.gr7.us-west-2.eks.amazonaws.com"
	    and .ca == "LS0tLS1CRUdJTg=="' <<<"$output"
	[ "$(grep -c 'health issue ClusterUnreachable: the control plane instances cannot reach the Region' <<<"$stderr")" -eq 1 ]
	grep -qFx "eksl-provision: $NAME: health issues cleared" <<<"$stderr"
	grep -qE "^eksl-provision: $NAME: CREATING after [0-9]+s\$" <<<"$stderr"
	grep -qE "^eksl-provision: $NAME: ACTIVE after [0-9]+s\$" <<<"$stderr"
	# One line per change, not per poll.
	[ "$(grep -c 'CREATING after' <<<"$stderr")" -eq 1 ]
	[ "$(requests DescribeCluster | jq length)" -eq 4 ]
	# Intervals grow: 100, 150 and 225 ms (fixed ones would sum to 300).
	moto_requests | jq -e '[.[] | select(.action == "DescribeCluster") | .time]
	    | (.[3] - .[0]) >= 0.47'
}

@test "create on a terminal draws one updating line" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING), $(cluster_json CREATING), $(cluster_json ACTIVE)]}"
	run script -qec "eksl-provision create -f '$CFG' 2>&1 >/dev/null" /dev/null
	assert_success
	assert_output --partial $'\r\033[K'
	assert_output --partial "eksl-provision: $NAME: CREATING 0m00s"
	assert_output --partial "eksl-provision: $NAME: ACTIVE 0m00s"
}

@test "create: a cluster that goes FAILED exits 4" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING), $(cluster_json FAILED)]}"
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_equal "$status" 4
	grep -qFx "eksl-provision: $NAME: ClusterFailed: $NAME: status FAILED" <<<"$stderr"
	[ -z "$output" ]
}

@test "create -q shows no progress" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING "$ISSUE"), $(cluster_json ACTIVE)]}"
	run --separate-stderr eksl-provision create -q -f "$CFG"
	assert_success
	[ -z "$stderr" ]
	jq -e '.status == "ACTIVE"' <<<"$output"
}

@test "create --timeout ends the wait with a clear message and exit 5" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING)]}"
	EKSL_POLL_MS=100 run --separate-stderr eksl-provision create --timeout 1s -f "$CFG"
	assert_equal "$status" 5
	grep -qF "eksl-provision: $NAME: still CREATING after 1s (--timeout); the cluster goes on being created" <<<"$stderr"
	[ -z "$output" ]
}

@test "create --no-wait prints the record as it stands, without polling" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json CREATING)]}"
	run --separate-stderr eksl-provision create --no-wait -f "$CFG"
	assert_success
	jq -e '.status == "CREATING"' <<<"$output"
	[ "$(requests DescribeCluster | jq length)" -eq 0 ]
}

@test "create twice: one cluster, the same token, the second run carries on" {
	bench
	control_plane
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	first=$output
	run --separate-stderr eksl-provision create -v -f "$CFG"
	assert_success
	grep -qF "$NAME: exists with the same Outpost and instance type; carrying on" <<<"$stderr"
	assert_equal "$(jq -c 'del(.status)' <<<"$output")" "$(jq -c 'del(.status)' <<<"$first")"
	requests CreateCluster | jq -e 'length == 2 and
	    (map(.body | fromjson | .clientRequestToken) | unique | length == 1)'
	moto_bench GET clusters | jq -e --arg n "$NAME" '[.clusters[] | select(. == $n)] | length == 1'
}

@test "create: a cluster that exists but differs exits 4 and says what differs" {
	bench
	run eksl-provision create -f "$CFG"
	assert_success
	sed -i 's/m5d.large/m5.xlarge/' "$CFG"
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_equal "$status" 4
	assert_equal "$stderr" "eksl-provision: $NAME: exists but differs: control-plane instance type m5d.large, config m5.xlarge"
}

@test "create: throttling is retried" {
	bench
	moto_fault '{"service": "eks", "action": "CreateCluster", "kind": "throttle", "count": 2}'
	moto_fault '{"service": "ec2", "action": "DescribeSubnets", "kind": "throttle", "count": 1}'
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	[ "$(requests CreateCluster | jq length)" -eq 3 ]
	[ "$(requests DescribeSubnets | jq length)" -eq 2 ]
	jq -e '.status == "ACTIVE"' <<<"$output"
}

@test "create: an API refusal exits 4" {
	bench
	moto_fault '{"service": "eks", "action": "CreateCluster", "kind": "500", "status": 400, "code": "InvalidParameterException", "count": 1}'
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_equal "$status" 4
	grep -qF "eksl-provision: $NAME: InvalidParameterException" <<<"$stderr"
}

@test "create, instance-store variant: the role trusts EKS and has AmazonEKSClusterPolicy" {
	bench
	sed -e "s/subnet-0a1b2c3d4e5f60718/$SUBNET/" -e "s/name: is-cluster/name: $NAME/" \
	    "$FIX/good-instance-store.yaml" >"$CFG"
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	# the record says so, for eksl-kubeconfig's --cluster-name
	jq -e '.outpost.etcdInstanceType == "i3en.xlarge"' <<<"$output"
	run moto_bench GET "role?name=eksl-$NAME-cluster-role"
	assert_output '{"trust": ["eks.amazonaws.com"], "policies": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]}'
	requests CreateCluster | jq -e '.[0].body | fromjson
	    | .outpostConfig.etcdInstanceType == "i3en.xlarge"
	    and .accessConfig.authenticationMode == "API_AND_CONFIG_MAP"'
}

@test "create with iam.serviceRoleARN uses that role and makes none" {
	bench
	printf 'iam:\n  serviceRoleARN: arn:aws:iam::123456789012:role/mine\n' >>"$CFG"
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	[ "$(requests CreateRole | jq length)" -eq 0 ]
	requests CreateCluster | jq -e '.[0].body | fromjson | .roleArn == "arn:aws:iam::123456789012:role/mine"'
}

# ---- online validation -----------------------------------------------------

@test "validate --online passes on the bench" {
	bench
	run --separate-stderr eksl-provision validate --online -v -f "$CFG"
	assert_success
	grep -qF "eksl-provision: $CFG: valid (offline and online)" <<<"$stderr"
	[ "$(requests GetOutpostInstanceTypes | jq length)" -eq 1 ]
	[ "$(requests DescribeVpcAttribute | jq length)" -eq 2 ]
}

@test "validate --online: a subnet in the Region, not on the Outpost, exits 3 at its id" {
	bench
	outpost_state '[]' '["m5d.large"]'
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:21:13: $SUBNET: a subnet in the Region, not on the configured Outpost"
}

@test "validate --online: a subnet that does not exist exits 3 at its id" {
	bench
	sed -i "s/$SUBNET/subnet-0000000000000dead/" "$CFG"
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:21:13: subnet-0000000000000dead: no such subnet"
}

@test "validate --online: a subnet in another VPC than vpc.id exits 3" {
	bench
	sed -i "s/$VPC/vpc-0000000000000beef/" "$CFG"
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:21:13: $SUBNET: in $VPC, not in vpc.id vpc-0000000000000beef"
}

@test "validate --online: DNS host names off exits 3" {
	bench --no-dns-hostnames
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:17:7: $VPC: DNS host names are off (enableDnsHostnames)"
}

@test "validate --online: an instance type the Outpost does not offer exits 3" {
	bench
	outpost_state "[\"$SUBNET\"]" '["m5.xlarge"]'
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:24:29: m5d.large: not offered on op-0123456789abcdef0"
}

@test "validate --online: the placement group must exist" {
	bench
	printf '  controlPlanePlacement:\n    groupName: cp-pg\n' >>"$CFG"
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:26:16: cp-pg: no such placement group"
	outpost_state "[\"$SUBNET\"]" '["m5d.large"]' '["cp-pg"]'
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_success
}

@test "validate --online: fewer than 3 free addresses exits 3" {
	bench
	outpost_state "[\"$SUBNET\"]" '["m5d.large"]' '[]' 2
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:20:7: 2 free addresses in the subnets; the control plane needs 3"
	outpost_state "[\"$SUBNET\"]" '["m5d.large"]' '[]' 3
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_success
}

# ---- describe, delete ---------------------------------------------------------

@test "describe builds the record from DescribeCluster and EC2" {
	bench
	control_plane
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json ACTIVE)]}"
	run --separate-stderr eksl-provision describe --name $NAME
	assert_success
	jq -e --arg o "$OUTPOST" --arg n "$NAME" '.schema == "eksl.cluster.v1" and .name == $n
	    and .region == "us-west-2" and .status == "ACTIVE" and .version == "1.30"
	    and .id == "a1b2c3d4-0000-4000-8000-000000000001"
	    and .endpoint == "https://a1b2c3d4.gr7.us-west-2.eks.amazonaws.com"
	    and .host == "a1b2c3d4.gr7.us-west-2.eks.amazonaws.com"
	    and .outpost == {"arn": $o, "controlPlaneInstanceType": "m5d.large", "placementGroup": null}
	    and (has("creator") | not)
	    and ([.addresses[].ip] == ["127.0.0.11", "127.0.0.12", "127.0.0.13"])
	    and (.controlPlane | length == 3)' <<<"$output"
	[ -z "$stderr" ]
}

@test "describe: no such cluster exits 4" {
	bench
	run --separate-stderr eksl-provision describe --name nope
	assert_equal "$status" 4
	grep -qE '^eksl-provision: nope: ResourceNotFoundException' <<<"$stderr"
	[ -z "$output" ]
}

@test "describe: a closed endpoint exits 5 within the retry budget" {
	bench
	export AWS_ENDPOINT_URL=http://127.0.0.1:9
	start=$(date +%s)
	run --separate-stderr eksl-provision describe --name $NAME
	assert_equal "$status" 5
	grep -qE "^eksl-provision: $NAME: " <<<"$stderr"
	[ $(($(date +%s) - start)) -lt 30 ]
}

@test "describe: --region, --profile and --endpoint-url" {
	bench
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json ACTIVE)]}"
	unset AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2 AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	mkdir -p "$HOME/.aws"
	printf '[bench]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = %s\n' \
	    "$MOTO_TEST_SECRET_KEY" >"$HOME/.aws/credentials"
	run --separate-stderr eksl-provision describe --name $NAME --profile bench --endpoint-url "$MOTO_URL"
	assert_equal "$status" 2
	assert_equal "$stderr" "eksl-provision: no region: use --region or AWS_REGION"
	run --separate-stderr eksl-provision describe --name $NAME --profile bench \
	    --region us-west-2 --endpoint-url "$MOTO_URL"
	assert_success
	jq -e '.region == "us-west-2" and .status == "ACTIVE"' <<<"$output"
	moto_requests | jq -e '[.[] | select(.action == "DescribeCluster")
	    | .headers.authorization | test("Credential=AKIDEXAMPLE/[0-9]+/us-west-2/eks/")] | all'
	run --separate-stderr eksl-provision describe --name $NAME --profile none \
	    --region us-west-2 --endpoint-url "$MOTO_URL"
	[ "$status" -ne 0 ]
	grep -qF 'none' <<<"$stderr"
}

@test "delete waits until the cluster is gone; --no-wait does not; a missing cluster is fine" {
	bench
	run eksl-provision create -f "$CFG"
	assert_success
	run --separate-stderr eksl-provision delete -v --name $NAME
	assert_success
	grep -qF "eksl-provision: $NAME: deleted" <<<"$stderr"
	[ "$(requests DeleteCluster | jq length)" -eq 1 ]
	run --separate-stderr eksl-provision describe --name $NAME
	assert_equal "$status" 4
	run --separate-stderr eksl-provision delete --name $NAME
	assert_success
	run eksl-provision create -f "$CFG"
	assert_success
	moto_requests >/dev/null
	run --separate-stderr eksl-provision delete --no-wait --name $NAME
	assert_success
	n=$(moto_requests | jq '[.[] | select(.action == "DeleteCluster")] | length')
	[ "$n" -eq 3 ]
}

@test "delete: refusal exits 4" {
	bench
	moto_fault '{"service": "eks", "action": "DeleteCluster", "kind": "500", "status": 403, "code": "AccessDeniedException", "count": 1}'
	run --separate-stderr eksl-provision delete --name $NAME
	assert_equal "$status" 4
	grep -qF "eksl-provision: $NAME: AccessDeniedException" <<<"$stderr"
}

# ---- assume-role -------------------------------------------------------------

make_role() {
	moto_bench POST role '{"name": "eks-admin"}' | jq -r .arn
}

@test "assume-role prints credential_process JSON and passes its options" {
	bench
	role=$(make_role)
	run --separate-stderr eksl-provision assume-role --role-arn "$role" \
	    --session-name ops-1 --duration 1800 -vv
	assert_success
	jq -e '.Version == 1 and (.AccessKeyId | length > 0)
	    and (.SecretAccessKey | length > 0) and (.SessionToken | length > 0)
	    and (.Expiration | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' <<<"$output"
	secret=$(jq -r .SecretAccessKey <<<"$output")
	token=$(jq -r .SessionToken <<<"$output")
	! grep -qF "$secret" <<<"$stderr"
	! grep -qF "$token" <<<"$stderr"
	requests AssumeRole | jq -e '.[0].body | test("RoleSessionName=ops-1")
	    and test("DurationSeconds=1800")'
}

@test "assume-role serves as a credential_process" {
	bench
	role=$(make_role)
	moto_canned "$NAME" "{\"sequence\": [$(cluster_json ACTIVE)]}"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	mkdir -p "$HOME/.aws"
	printf '[profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = %s\n[profile admin]\ncredential_process = eksl-provision assume-role --profile base --role-arn %s\n' \
	    "$MOTO_TEST_SECRET_KEY" "$role" >"$HOME/.aws/config"
	run --separate-stderr eksl-provision describe --name $NAME --profile admin
	assert_success
	# DescribeCluster was signed with the assumed role's key.
	moto_requests | jq -e '[.[] | select(.action == "DescribeCluster")][0]
	    | .headers.authorization | test("Credential=AKIDEXAMPLE/") | not'
}

@test "assume-role refuses to print credentials to a terminal" {
	bench
	run script -qec "eksl-provision assume-role --role-arn arn:aws:iam::123456789012:role/x; echo rc=\$?" /dev/null
	assert_output --partial 'eksl-provision: refusing to print credentials to a terminal'
	assert_output --partial 'rc=2'
	run moto_requests
	assert_output '[]'
}

@test "assume-role: a refused role exits 4" {
	bench
	moto_fault '{"service": "sts", "action": "AssumeRole", "kind": "500", "status": 403, "code": "AccessDenied", "count": 1}'
	run --separate-stderr eksl-provision assume-role --role-arn arn:aws:iam::123456789012:role/x
	assert_equal "$status" 4
	grep -qF 'eksl-provision: arn:aws:iam::123456789012:role/x: AccessDenied' <<<"$stderr"
	[ -z "$output" ]
}

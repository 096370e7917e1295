#!/usr/bin/env bats
# eksl-provision when eksl makes the network (no vpc.id, no subnet ids):
# VPC, subnet on the Outpost, route table, local gateway association and
# routes, all tagged eksl:cluster=NAME; delete --with-network; a create
# interrupted after the subnet; logging, security groups, the version
# default and the advice after creation.  Against the moto wrapper, which
# plays the Outposts API and the local gateway calls moto lacks; every
# check reads the requests the wrapper recorded, or what exists in moto.

load lib/common
load lib/moto

OUTPOST=arn:aws:outposts:us-west-2:111122223333:outpost/op-0123456789abcdef0
LGW=lgw-0123456789abcdef0
LGWRTB=lgw-rtb-0123456789abcdef0

setup_file() {
	cd "$EKSL_TOP" || return 1
	moto_start
	moto_bench POST network '{}' >/dev/null	# moto's EC2 backend, once
}

teardown_file() {
	moto_stop
}

setup() {
	cd "$EKSL_TOP" || return 1
	export EKSL_POLL_MS=20
	NAME=net$BATS_TEST_NUMBER
	moto_env
	_moto_curl DELETE /_eksl/faults >/dev/null
	outpost '"localGateway": {"id": "'$LGW'", "routeTableId": "'$LGWRTB'"}'
	moto_versions '{"versions": [
	    {"clusterVersion": "1.31", "versionStatus": "STANDARD_SUPPORT"},
	    {"clusterVersion": "1.30", "versionStatus": "STANDARD_SUPPORT", "defaultVersion": true},
	    {"clusterVersion": "1.32", "versionStatus": "UNSUPPORTED"}]}'
	CFG=$BATS_TEST_TMPDIR/net.yaml
	sed -e "s/name: my-cluster/name: $NAME/" examples/outpost-new-network.yaml >"$CFG"
	_moto_curl DELETE /_eksl/requests >/dev/null
}

# outpost [JSON-MEMBERS]: the Outpost, in zone us-west-2b.
outpost() {
	moto_outpost "{\"outpostId\": \"op-0123456789abcdef0\", \"outpostArn\": \"$OUTPOST\",
	    \"availabilityZone\": \"us-west-2b\", \"availabilityZoneId\": \"usw2-az2\",
	    \"types\": [\"m5d.large\"]${1:+, $1}}"
}

# requests ACTION: the recorded requests of that action, as a JSON array.
requests() {
	moto_requests | jq --arg a "$1" '[.[] | select(.action == $a)]'
}

# form ACTION: the decoded forms of that action's requests (python, exact).
form() {
	moto_requests | python3 -c '
import json, sys
from urllib.parse import parse_qsl
log = json.load(sys.stdin)
print(json.dumps([dict(parse_qsl(r["body"])) for r in log if r["action"] == sys.argv[1]]))' "$1"
}

# ec2: what exists in moto now (vpcs, subnets, routeTables, lgwAssociations).
ec2() {
	moto_bench GET ec2
}

@test "create makes the VPC, the subnet on the Outpost, the route table and the local gateway association and routes, all tagged" {
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	rec=$output
	# The VPC with its CIDR and tags, then both DNS attributes on.
	form CreateVpc | jq -e --arg n "$NAME" 'length == 1 and (.[0] |
	    .CidrBlock == "10.20.0.0/16"
	    and ."TagSpecification.1.ResourceType" == "vpc"
	    and ."TagSpecification.1.Tag.1.Key" == "eksl:cluster"
	    and ."TagSpecification.1.Tag.1.Value" == $n)'
	vpc=$(jq -r .network.vpc <<<"$rec")
	form ModifyVpcAttribute | jq -e --arg v "$vpc" 'length == 2 and all(.VpcId == $v)
	    and (map(."EnableDnsSupport.Value") | index("true") != null)
	    and (map(."EnableDnsHostnames.Value") | index("true") != null)'
	# The subnet: on the Outpost, in the Outpost's zone (from GetOutpost).
	[ "$(requests GetOutpost | jq length)" -ge 1 ]
	form CreateSubnet | jq -e --arg v "$vpc" --arg o "$OUTPOST" --arg n "$NAME" 'length == 1 and (.[0] |
	    .VpcId == $v and .OutpostArn == $o and .AvailabilityZone == "us-west-2b"
	    and .CidrBlock == "10.20.0.0/24"
	    and ."TagSpecification.1.ResourceType" == "subnet"
	    and ."TagSpecification.1.Tag.1.Value" == $n)'
	subnet=$(jq -r '.network.subnets[0]' <<<"$rec")
	# The route table, routing the subnet.
	form CreateRouteTable | jq -e --arg v "$vpc" --arg n "$NAME" 'length == 1 and .[0].VpcId == $v
	    and .[0]."TagSpecification.1.ResourceType" == "route-table"
	    and .[0]."TagSpecification.1.Tag.1.Value" == $n'
	rtb=$(jq -r .network.routeTable <<<"$rec")
	form AssociateRouteTable | jq -e --arg r "$rtb" --arg s "$subnet" 'length == 1
	    and .[0].RouteTableId == $r and .[0].SubnetId == $s'
	# The local gateway: found for the Outpost, associated, then routes.
	form DescribeLocalGatewayRouteTables | jq -e --arg o "$OUTPOST" '.[0]."Filter.1.Name" == "outpost-arn" and .[0]."Filter.1.Value.1" == $o'
	form CreateLocalGatewayRouteTableVpcAssociation | jq -e --arg v "$vpc" --arg n "$NAME" 'length == 1 and (.[0] |
	    .VpcId == $v and .LocalGatewayRouteTableId == "'$LGWRTB'"
	    and ."TagSpecification.1.ResourceType" == "local-gateway-route-table-vpc-association"
	    and ."TagSpecification.1.Tag.1.Value" == $n)'
	form CreateRoute | jq -e --arg r "$rtb" 'map([.RouteTableId, .DestinationCidrBlock, .LocalGatewayId])
	    == [[$r, "192.168.100.0/24", "'$LGW'"], [$r, "172.16.0.0/12", "'$LGW'"]]'
	# The order: VPC, subnet, route table, association, routes, cluster.
	moto_requests | jq -e '[.[] | .action | select(. == "CreateVpc" or . == "CreateSubnet"
	    or . == "CreateRouteTable" or . == "CreateLocalGatewayRouteTableVpcAssociation"
	    or . == "CreateRoute" or . == "CreateCluster")] == ["CreateVpc", "CreateSubnet",
	    "CreateRouteTable", "CreateLocalGatewayRouteTableVpcAssociation", "CreateRoute",
	    "CreateRoute", "CreateCluster"]'
	# CreateCluster uses the new subnet, logging and the newest version.
	moto_requests | jq -e --arg s "$subnet" '[.[] | select(.action == "CreateCluster")][0].body | fromjson
	    | .resourcesVpcConfig.subnetIds == [$s] and .version == "1.31"
	    and .logging == {"clusterLogging": [{"types": ["api", "audit", "authenticator"], "enabled": true}]}'
	# What exists in moto agrees.
	ec2 >"$BATS_TEST_TMPDIR/ec2"
	jq -e --arg n "$NAME" --arg s "$subnet" --arg o "$OUTPOST" '
	    ([.vpcs[] | select(.tags["eksl:cluster"] == $n)] | length == 1)
	    and ([.subnets[] | select(.tags["eksl:cluster"] == $n)] == [.subnets[] | select(.id == $s)])
	    and ([.subnets[] | select(.id == $s)][0] | .outpostArn == $o and .az == "us-west-2b")
	    and ([.routeTables[] | select(.tags["eksl:cluster"] == $n)][0].subnets == [$s])
	    and ([.lgwAssociations[] | select(.tags["eksl:cluster"] == $n) | .state] == ["associated"])' \
	    "$BATS_TEST_TMPDIR/ec2"
	# The record says what was made.
	jq -e --arg n "$NAME" '.name == $n and .status == "ACTIVE"
	    and .network.cidr == "10.20.0.0/16" and .network.availabilityZone == "us-west-2b"
	    and .network.localGateway == "'$LGW'" and .network.localGatewayRouteTable == "'$LGWRTB'"
	    and (.network.localGatewayAssociation | startswith("lgw-vpc-assoc-"))
	    and .network.routes == 2' <<<"$rec"
	# The notes and the advice on stderr.
	grep -qFx "eksl-provision: $NAME: metadata.version not set: using 1.31, the newest the service offers" <<<"$stderr"
	grep -qE "^eksl-provision: $NAME: on-prem hosts reach the endpoint on TCP 443 through cluster security group sg-[0-9a-f]+: aws ec2 authorize-security-group-ingress --group-id sg-[0-9a-f]+ --protocol tcp --port 443 --cidr 192.168.100.0/24\$" <<<"$stderr"
	grep -qF -- "--cidr 172.16.0.0/12" <<<"$stderr"
	grep -qFx "eksl-provision: $NAME: $vpc has no internet gateway; nodes need these VPC endpoints, missing: com.amazonaws.us-west-2.ssm com.amazonaws.us-west-2.ssmmessages com.amazonaws.us-west-2.ec2messages com.amazonaws.us-west-2.ec2 com.amazonaws.us-west-2.secretsmanager com.amazonaws.us-west-2.logs com.amazonaws.us-west-2.sts com.amazonaws.us-west-2.ecr.api com.amazonaws.us-west-2.ecr.dkr com.amazonaws.us-west-2.s3 (gateway)" <<<"$stderr"
}

@test "create again finds everything by its tag and makes nothing twice" {
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	first=$output
	run --separate-stderr eksl-provision create -v -f "$CFG"
	assert_success
	for a in CreateVpc CreateSubnet CreateRouteTable AssociateRouteTable \
	    CreateLocalGatewayRouteTableVpcAssociation CreateRoute ModifyVpcAttribute; do
		n=$(form "$a" | jq length)
		case $a in
		CreateRoute|ModifyVpcAttribute) [ "$n" -eq 2 ] ;;
		*) [ "$n" -eq 1 ] ;;
		esac || { echo "$a: $n requests" >&2; false; }
	done
	assert_equal "$(jq -c .network <<<"$output")" "$(jq -c .network <<<"$first")"
	grep -qF "eksl-provision: $NAME: found $(jq -r .network.vpc <<<"$first") (10.20.0.0/16)" <<<"$stderr"
}

@test "an interrupted create (fault after the subnet) leaves a record of what exists; a re-run continues without duplicates" {
	moto_fault '{"service": "ec2", "action": "CreateRouteTable", "kind": "500", "status": 403, "code": "UnauthorizedOperation", "message": "not now", "count": 1}'
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_equal "$status" 4
	assert_equal "$(tail -n 1 <<<"$stderr")" "eksl-provision: $NAME: UnauthorizedOperation: CreateRouteTable: not now"
	jq -e --arg n "$NAME" '.name == $n and (.network.vpc | startswith("vpc-"))
	    and (.network.subnets | length == 1) and .network.routeTable == null
	    and .errors[0].tool == "eksl-provision"
	    and (.errors[0].message | contains("CreateRouteTable"))' <<<"$output"
	vpc=$(jq -r .network.vpc <<<"$output")
	subnet=$(jq -r '.network.subnets[0]' <<<"$output")
	[ "$(form CreateCluster | jq length)" -eq 0 ]
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	jq -e --arg v "$vpc" --arg s "$subnet" '.network.vpc == $v and .network.subnets == [$s]
	    and (.network.routeTable | startswith("rtb-"))' <<<"$output"
	[ "$(form CreateVpc | jq length)" -eq 1 ]
	[ "$(form CreateSubnet | jq length)" -eq 1 ]
	[ "$(form CreateRouteTable | jq length)" -eq 2 ]	# the refused one and this
	ec2 | jq -e --arg n "$NAME" '([.vpcs[] | select(.tags["eksl:cluster"] == $n)] | length == 1)
	    and ([.subnets[] | select(.tags["eksl:cluster"] == $n)] | length == 1)
	    and ([.routeTables[] | select(.tags["eksl:cluster"] == $n)] | length == 1)'
}

@test "delete --with-network removes only what carries the tag, in reverse order" {
	other=$(moto_bench POST network '{"cidr": "10.99.0.0/24"}' | jq -r .vpc)
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	vpc=$(jq -r .network.vpc <<<"$output")
	# another cluster's network stays too
	sed -e "s/name: $NAME/name: ${NAME}b/" -e 's|10.20.0.0/16|10.30.0.0/16|' "$CFG" >"$BATS_TEST_TMPDIR/b.yaml"
	run --separate-stderr eksl-provision create -f "$BATS_TEST_TMPDIR/b.yaml"
	assert_success
	vpcb=$(jq -r .network.vpc <<<"$output")
	_moto_curl DELETE /_eksl/requests >/dev/null
	run --separate-stderr eksl-provision delete -v --with-network --name "$NAME"
	assert_success
	grep -qE "^eksl-provision: $NAME: removed 6 network resources tagged eksl:cluster=$NAME\$" <<<"$stderr"
	moto_requests | jq -e '[.[] | .action | select(startswith("Delete") or startswith("Disassociate"))]
	    == ["DeleteCluster", "DeleteRoute", "DeleteRoute",
	        "DeleteLocalGatewayRouteTableVpcAssociation", "DisassociateRouteTable",
	        "DeleteRouteTable", "DeleteSubnet", "DeleteVpc"]'
	# Every lookup asked for the tag.
	moto_requests | python3 -c '
import json, sys
from urllib.parse import parse_qsl
for r in json.load(sys.stdin):
    if r["action"] in ("DescribeVpcs", "DescribeSubnets", "DescribeRouteTables"):
        f = dict(parse_qsl(r["body"]))
        assert f.get("Filter.1.Name") == "tag:eksl:cluster", f
        assert f.get("Filter.1.Value.1") == sys.argv[1], f' "$NAME"
	ec2 | jq -e --arg v "$vpc" --arg o "$other" --arg b "$vpcb" --arg n "$NAME" '
	    ([.vpcs[].id] | index($v) == null) and ([.vpcs[].id] | index($o) != null)
	    and ([.vpcs[].id] | index($b) != null)
	    and ([.subnets[] | select(.tags["eksl:cluster"] == $n)] == [])
	    and ([.routeTables[] | select(.tags["eksl:cluster"] == $n)] == [])
	    and ([.lgwAssociations[] | select(.tags["eksl:cluster"] == $n) | .state] == ["disassociated"])'
	# Again: nothing left to remove, no cluster: fine.
	run --separate-stderr eksl-provision delete -v --with-network --name "$NAME"
	assert_success
	grep -qF "eksl-provision: $NAME: removed 0 network resources" <<<"$stderr"
}

@test "delete --with-network: a VPC that cannot go (something else in it) exits 4 and says why" {
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	vpc=$(jq -r .network.vpc <<<"$output")
	# a subnet eksl did not make, in eksl's VPC
	python3 - "$MOTO_URL" "$vpc" <<'EOF'
import sys, boto3
boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-west-2",
             aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
             ).create_subnet(VpcId=sys.argv[2], CidrBlock="10.20.9.0/24")
EOF
	run --separate-stderr eksl-provision delete --with-network --name "$NAME"
	assert_equal "$status" 4
	grep -qE "^eksl-provision: $NAME: DependencyViolation: DeleteVpc: " <<<"$stderr"
}

@test "version: none offered by the service gives the documented default with a note; an older one is noted" {
	moto_versions '{"versions": null}'
	run --separate-stderr eksl-provision create --no-wait -f "$CFG"
	assert_success
	grep -qF "eksl-provision: $NAME: metadata.version not set and DescribeClusterVersions not available" <<<"$stderr"
	grep -qF "using eksl's default 1.31" <<<"$stderr"
	moto_requests | jq -e '[.[] | select(.action == "CreateCluster")][0].body | fromjson | .version == "1.31"'
	grep -qF 'default is 1.31' man/eksl-provision.1
	# A configured older version is kept, with a note.
	moto_versions '{"versions": [{"clusterVersion": "1.31", "versionStatus": "STANDARD_SUPPORT"}]}'
	sed -i "s/name: $NAME/name: ${NAME}v\n  version: \"1.29\"/" "$CFG"
	run --separate-stderr eksl-provision create --no-wait -f "$CFG"
	assert_success
	grep -qFx "eksl-provision: ${NAME}v: metadata.version 1.29 is older than 1.31, the newest the service offers" <<<"$stderr"
	moto_requests | jq -e '[.[] | select(.action == "CreateCluster")][1].body | fromjson | .version == "1.29"'
}

@test "extra security groups reach CreateCluster, with the note that they cannot change" {
	net=$(moto_bench POST network '{"cidr": "10.40.0.0/24"}')
	vpc=$(jq -r .vpc <<<"$net")
	subnet=$(jq -r .subnet <<<"$net")
	outpost "\"onOutpost\": [\"$subnet\"]"
	cat >"$CFG" <<EOF
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: $NAME
  region: us-west-2
  version: "1.31"
vpc:
  id: $vpc
  securityGroup: sg-0000000000000000a
  extraClusterSecurityGroups: [sg-0000000000000000b, sg-0000000000000000c]
  clusterEndpoints:
    privateAccess: true
  subnets:
    private:
      a:
        id: $subnet
outpost:
  controlPlaneOutpostARN: $OUTPOST
  controlPlaneInstanceType: m5d.large
cloudWatch:
  clusterLogging:
    enableTypes: ["*"]
EOF
	run --separate-stderr eksl-provision create -f "$CFG"
	assert_success
	grep -qFx "eksl-provision: $NAME: security groups sg-0000000000000000a, sg-0000000000000000b, sg-0000000000000000c cannot be changed once the cluster exists" <<<"$stderr"
	moto_requests | jq -e '[.[] | select(.action == "CreateCluster")][0].body | fromjson
	    | .resourcesVpcConfig.securityGroupIds == ["sg-0000000000000000a", "sg-0000000000000000b", "sg-0000000000000000c"]
	    and .logging.clusterLogging == [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": true}]
	    and .version == "1.31"'
	# An existing network: nothing made, and no network in the record.
	[ "$(form CreateVpc | jq length)" -eq 0 ]
	jq -e 'has("network") | not' <<<"$output"
	# the VPC has no internet gateway: the endpoint advice holds here too
	grep -qF "$vpc has no internet gateway" <<<"$stderr"
}

@test "validate --online: an Outpost without a local gateway refuses eksl.localGatewayRoutes; an unknown Outpost exits 3" {
	outpost
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:27:5: eksl.localGatewayRoutes: the Outpost has no local gateway"
	# Without routes it is fine: the cluster is then reached within the VPC.
	sed -i '/^eksl:/,$d' "$CFG"
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_success
	run --separate-stderr eksl-provision create --no-wait -f "$CFG"
	assert_success
	[ "$(form CreateLocalGatewayRouteTableVpcAssociation | jq length)" -eq 0 ]
	jq -e '.network.localGateway == null and .network.routes == 0' <<<"$output"
	moto_outpost '{"outpostId": "op-00000000000000000", "outpostArn": "arn:aws:outposts:us-west-2:111122223333:outpost/op-00000000000000000"}'
	run --separate-stderr eksl-provision validate --online -f "$CFG"
	assert_equal "$status" 3
	assert_equal "$stderr" "eksl-provision: $CFG:20:27: $OUTPOST: no such Outpost"
}

@test "create --dry-run shows the network requests first, with placeholders, and sends nothing" {
	run --separate-stderr eksl-provision create --dry-run -f "$CFG"
	assert_success
	jq -e -s --arg o "$OUTPOST" '[.[].action] == ["CreateVpc", "ModifyVpcAttribute",
	    "ModifyVpcAttribute", "CreateSubnet", "CreateRouteTable", "AssociateRouteTable",
	    "CreateLocalGatewayRouteTableVpcAssociation", "CreateRoute", "CreateRoute",
	    "CreateRole", "AttachRolePolicy", "CreateCluster"]
	    and .[3].params.OutpostArn == $o and .[3].params.CidrBlock == "10.20.0.0/24"
	    and .[11].body.resourcesVpcConfig.subnetIds == ["subnet-(new)-1"]' <<<"$output"
	run moto_requests
	assert_output '[]'
}

@test "offline rules of a network eksl makes" {
	local want line
	while IFS='|' read -r line want; do
		printf 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c1, region: us-west-2}\noutpost:\n  controlPlaneOutpostARN: %s\n  controlPlaneInstanceType: m5d.large\nvpc:\n  clusterEndpoints: {privateAccess: true}\n%b\n' \
		    "$OUTPOST" "$line" >"$BATS_TEST_TMPDIR/c.yaml"
		run --separate-stderr eksl-provision validate -f "$BATS_TEST_TMPDIR/c.yaml"
		[ "$status" -eq 3 ] || { echo "$line: status $status: $stderr" >&2; false; }
		[[ $stderr == "eksl-provision: $BATS_TEST_TMPDIR/c.yaml:"*"$want"* ]] ||
		    { echo "$line: want '$want', got '$stderr'" >&2; false; }
	done <<'EOF'
  cidr: 10.0.0.0/8|vpc.cidr: 10.0.0.0/8: a VPC is /16 to /28
  cidr: 10.0.0.1/16|vpc.cidr: 10.0.0.1/16: host bits set: the network is 10.0.0.0/16
  cidr: 10.0.300.0/24|vpc.cidr: 10.0.300.0/24: not an IPv4 CIDR
  id: vpc-1\n  cidr: 10.0.0.0/16\n  subnets: {private: {a: {id: subnet-1}}}|vpc.cidr: only when eksl makes the VPC
  securityGroup: sg-1|sg-1: eksl makes the VPC (no vpc.id), so no security group of it can be named here
  subnets: {private: {a: {cidr: 10.1.0.0/24}}}|vpc.subnets.private.a.cidr: 10.1.0.0/24: not a /16 to /28 inside the VPC's 192.168.0.0/16
  subnets: {private: {a: {cidr: 192.168.0.0/24}, b: {cidr: 192.168.0.128/25}}}|vpc.subnets.private.b.cidr: 192.168.0.128/25: overlaps subnet a
  subnets: {private: {a: {cidr: 192.168.0.0/24, id: subnet-1}}}|vpc.subnets.private.a: id or cidr, not both
  id: vpc-1\n  subnets: {private: {a: {cidr: 192.168.0.0/24}}}|vpc.subnets.private.a.cidr: eksl makes subnets only in a VPC it makes
  extraClusterSecurityGroups: sg-1|vpc.extraClusterSecurityGroups: expected a list, not a value
  id: vpc-1\n  subnets: {private: {a: {id: subnet-1}}}\n  extraClusterSecurityGroups: [sg-1, sg-2, sg-3, sg-4, sg-5, sg-6]|vpc.extraClusterSecurityGroups: more than 5 security groups in all
  id: vpc-1\n  subnets: {private: {a: {id: subnet-1}}}\n  extraClusterSecurityGroups: [sg-1, x-2]|vpc.extraClusterSecurityGroups: x-2: not a security group id
  id: vpc-1\n  subnets: {private: {a: {id: subnet-1}}}\n  extraClusterSecurityGroups: [sg-1, sg-1]|security group sg-1: named twice
  id: vpc-1\n  subnets: {private: {a: {id: subnet-1}}}\neksl: {localGatewayRoutes: [10.0.0.0/8]}|eksl.localGatewayRoutes: only when eksl makes the network
  cidr: 10.0.0.0/16\neksl: {localGatewayRoutes: [10.0.0.0/8]}|eksl.localGatewayRoutes: 10.0.0.0/8: overlaps the VPC's 10.0.0.0/16
  cidr: 10.0.0.0/16\neksl: {localGatewayRoutes: [192.168.1.0/24, 192.168.1.0/24]}|eksl.localGatewayRoutes: 192.168.1.0/24: named twice
  cidr: 10.0.0.0/16\neksl: {localGatewayRoutes: [192.168.1.1/24]}|eksl.localGatewayRoutes: 192.168.1.1/24: host bits set
  cidr: 10.0.0.0/16\neksl: {routes: []}|eksl.routes: unknown key
  cidr: 10.0.0.0/16\ncloudWatch: {clusterLogging: {enableTypes: [api, kubelet]}}|cloudWatch.clusterLogging.enableTypes: kubelet: want api, audit
  cidr: 10.0.0.0/16\ncloudWatch: {clusterLogging: {enableTypes: [api, api]}}|cloudWatch.clusterLogging.enableTypes: api: named twice
  cidr: 10.0.0.0/16\ncloudWatch: {clusterLogging: {logRetentionInDays: 7}}|cloudWatch.clusterLogging.logRetentionInDays: eksl does not set
  cidr: 10.0.0.0/16\ncloudWatch: {clusterLogging: {enableTypes: [{a: b}]}}|cloudWatch.clusterLogging.enableTypes: each item must be a string
EOF
	# and the example validates as it is
	run --separate-stderr eksl-provision validate -f examples/outpost-new-network.yaml
	assert_success
}

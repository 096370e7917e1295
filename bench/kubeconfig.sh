#!/bin/sh
# bench/kubeconfig.sh: eksl-kubeconfig against `aws eks update-kubeconfig`,
# both talking to the same moto wrapper (a canned DescribeCluster of a
# local cluster), in one hyperfine run:
#   (a) eksl-provision describe --name X | eksl-kubeconfig   vs  aws (target >= 30x)
#   (b) eksl-kubeconfig < saved record                      vs  aws (target >= 100x)
# Every command merges into its own copy of the same kubeconfig with a few
# foreign entries (hyperfine --prepare restores it), so each run writes.
# When eksl-provision is not built, (a) is left out and said so.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
: "${EKSL_BIN:=$top/bin}"
w=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/eksl-bench-kubeconfig.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	fi
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$w"
}
trap cleanup EXIT INT TERM

# Everything AWS goes to the moto wrapper on loopback, with test keys;
# HOME is the work dir, so no real configuration is read.
export HOME="$w/home" AWS_CONFIG_FILE="$w/home/.aws/config"
export AWS_SHARED_CREDENTIALS_FILE="$w/home/.aws/credentials"
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2
unset AWS_PROFILE AWS_SESSION_TOKEN KUBECONFIG 2>/dev/null || :
mkdir -p "$HOME"

python3 "$top/tests/moto_wrapper.py" --port-file "$w/port" \
    >"$w/moto.log" 2>&1 </dev/null &
pid=$!
i=0
while :; do
	if [ -s "$w/port" ] && curl -sf --noproxy '*' -o /dev/null \
	    "http://127.0.0.1:$(cat "$w/port")/_eksl/ready"; then
		break
	fi
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "bench: moto wrapper did not start" >&2
		cat "$w/moto.log" >&2
		exit 1
	fi
	sleep 0.05
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$w/port")"
name=bench-cluster
ca=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout /dev/null -subj /CN=kubernetes -days 3650 2>/dev/null |
    base64 -w0)
curl -sf --noproxy '*' -X POST -H 'Content-Type: application/json' \
    "$AWS_ENDPOINT_URL/_eksl/clusters/$name" --data-binary @- >/dev/null <<EOF
{"sequence": [{"name": "$name",
 "arn": "arn:aws:eks:us-west-2:123456789012:cluster/$name",
 "id": "a1b2c3d4-0000-4000-8000-000000000001", "status": "ACTIVE",
 "version": "1.30", "endpoint": "https://A1B2C3D4.gr7.us-west-2.eks.amazonaws.com",
 "certificateAuthority": {"data": "$ca"},
 "outpostConfig": {"outpostArns": ["arn:aws:outposts:us-west-2:123456789012:outpost/op-0123456789abcdef0"],
                   "controlPlaneInstanceType": "m5d.large"}}]}
EOF

cat >"$w/base" <<'EOF'
apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "https://10.1.2.3:6443", insecure-skip-tls-verify: true}
- name: staging
  cluster: {server: "https://10.1.2.4:6443", certificate-authority: /etc/ca.crt}
users:
- name: dev-admin
  user: {token: abc}
- name: staging-admin
  user: {client-certificate: /etc/u.crt, client-key: /etc/u.key}
contexts:
- name: dev
  context: {cluster: dev, user: dev-admin}
- name: staging
  context: {cluster: staging, user: staging-admin, namespace: apps}
current-context: dev
preferences: {}
EOF
chmod 600 "$w/base"

have_provision=0
if [ -x "$EKSL_BIN/eksl-provision" ]; then
	have_provision=1
	# the saved record for (b) is what describe prints
	"$EKSL_BIN/eksl-provision" describe --name "$name" >"$w/record.json"
else
	echo "note: eksl-provision is not built: (a) skipped, (b) uses a record made here"
	printf '{"schema":"eksl.cluster.v1","name":"%s","region":"us-west-2","arn":"arn:aws:eks:us-west-2:123456789012:cluster/%s","id":"a1b2c3d4-0000-4000-8000-000000000001","endpoint":"https://A1B2C3D4.gr7.us-west-2.eks.amazonaws.com","ca":"%s","outpost":{"arn":"arn:aws:outposts:us-west-2:123456789012:outpost/op-0123456789abcdef0","controlPlaneInstanceType":"m5d.large"}}\n' \
	    "$name" "$name" "$ca" >"$w/record.json"
fi

# Both tools must produce an equivalent context before timing means much.
cp "$w/base" "$w/aws.cfg"
cp "$w/base" "$w/eksl.cfg"
aws eks update-kubeconfig --name "$name" --kubeconfig "$w/aws.cfg" >/dev/null
"$EKSL_BIN/eksl-kubeconfig" --exec aws --kubeconfig "$w/eksl.cfg" \
    <"$w/record.json" >/dev/null
python3 - "$w/aws.cfg" "$w/eksl.cfg" <<'PY' || echo "bench: the two kubeconfigs differ" >&2
import sys, yaml
a, b = (yaml.safe_load(open(p)) for p in sys.argv[1:])
def ours(d):
    arn = d["current-context"]
    c = [e["cluster"] for e in d["clusters"] if e["name"] == arn][0]
    u = [e["user"] for e in d["users"] if e["name"] == arn][0]["exec"]
    return (arn, c["server"], c["certificate-authority-data"], u["command"],
            [x for x in u["args"]])
oa, ob = ours(a), ours(b)
assert oa == ob, (oa, ob)
print("same cluster, user and context from both:", oa[0], " ".join(oa[4]))
PY

# server_floor: what describe asks of moto, and how long moto itself takes
# to answer those requests (a Python client on loopback, best of 15):
# each alone, the three in turn, and the three at once.  The moto wrapper
# routes by the Authorization header's credential scope and does not
# check signatures, so a fixed one does.
server_floor() {
	curl -sf --noproxy '*' -X DELETE "$AWS_ENDPOINT_URL/_eksl/requests" >/dev/null
	"$EKSL_BIN/eksl-provision" describe --name "$name" >/dev/null
	printf 'requests per describe: %s\n' "$(curl -sf --noproxy '*' \
	    "$AWS_ENDPOINT_URL/_eksl/requests" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(len(d), "(" + ", ".join("%s %s" % (r["service"], r["action"]) for r in d) + ")")')"
	python3 - "$AWS_ENDPOINT_URL" "$name" <<'PY'
import http.client, sys, threading, time
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1]); name = sys.argv[2]
def auth(svc):
    return ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-west-2/%s/"
            "aws4_request, SignedHeaders=host;x-amz-date, Signature=0" % svc)
form = "application/x-www-form-urlencoded; charset=utf-8"
calls = {
    "DescribeCluster": ("GET", "/clusters/" + name, None,
                        {"Authorization": auth("eks")}),
    "DescribeInstances": ("POST", "/", "Action=DescribeInstances&Version=2016-11-15"
        "&Filter.1.Name=tag%3AName&Filter.1.Value.1=" + name +
        "-control-plane-%2A&Filter.2.Name=instance-state-name"
        "&Filter.2.Value.1=running",
        {"Authorization": auth("ec2"), "Content-Type": form}),
    "DescribeNetworkInterfaces": ("POST", "/", "Action=DescribeNetworkInterfaces"
        "&Version=2016-11-15&Filter.1.Name=description&Filter.1.Value.1="
        "Amazon%20EKS%20" + name,
        {"Authorization": auth("ec2"), "Content-Type": form}),
}
def one(c):
    m, path, body, h = calls[c]
    conn = http.client.HTTPConnection(u.hostname, u.port)
    conn.request(m, path, body, h)
    r = conn.getresponse(); r.read(); conn.close()
    assert r.status == 200, (c, r.status)
def best(f, n=15):
    t = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return min(t) * 1000
for c in calls:
    print("moto alone   %-28s %7.2f ms" % (c, best(lambda: one(c))))
print("moto in turn %-28s %7.2f ms" % ("all three", best(lambda: [one(c) for c in calls])))
def together():
    ts = [threading.Thread(target=one, args=(c,)) for c in calls]
    [t.start() for t in ts]; [t.join() for t in ts]
print("moto at once %-28s %7.2f ms" % ("all three", best(together)))
PY
}

runs=${BENCH_RUNS:-20}
# hyperfine runs each command through sh -c and subtracts the time that
# shell takes to start, so the redirections cost nothing here.
set -- -n aws-update-kubeconfig \
    "aws eks update-kubeconfig --name $name --kubeconfig $w/aws.cfg >/dev/null"
if [ $have_provision = 1 ]; then
	set -- "$@" -n describe+eksl-kubeconfig \
	    "$EKSL_BIN/eksl-provision describe --name $name | $EKSL_BIN/eksl-kubeconfig -q --kubeconfig $w/pipe.cfg >/dev/null" \
	    -n describe-only "$EKSL_BIN/eksl-provision describe --name $name >/dev/null" \
	    -n start-floor "$EKSL_BIN/eksl-provision --version >/dev/null"
fi
set -- "$@" -n eksl-kubeconfig-record \
    "$EKSL_BIN/eksl-kubeconfig -q --kubeconfig $w/rec.cfg <$w/record.json >/dev/null"
hyperfine --warmup 2 --runs "$runs" --export-json "$w/k.json" \
    --prepare "cp -p $w/base $w/aws.cfg; cp -p $w/base $w/pipe.cfg; cp -p $w/base $w/rec.cfg" \
    "$@" >"$w/hf.out" 2>&1 || { cat "$w/hf.out"; exit 1; }

if [ $have_provision = 1 ]; then
	echo "(a) DescribeCluster + merge:"
	report_ratio "$w/k.json" aws-update-kubeconfig describe+eksl-kubeconfig 30
	# describe also asks EC2 for the control-plane instances and ENIs
	# (two more moto round trips that update-kubeconfig does not make).
	printf 'median %-28s %9s ms (DescribeCluster + 2 EC2 calls)\n' \
	    describe-only "$(median_of "$w/k.json" describe-only)"
	printf 'median %-28s %9s ms (eksl-provision --version: loading its libraries)\n' \
	    start-floor "$(median_of "$w/k.json" start-floor)"
	server_floor
else
	echo "(a) skipped: eksl-provision is not built"
fi
echo "(b) merge from a saved record:"
report_ratio "$w/k.json" aws-update-kubeconfig eksl-kubeconfig-record 100
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# Under load (other jobs on the machine) wall times stretch; the CPU time
# each command itself used (user + system, mean) is steadier.
python3 - "$w/k.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in d["results"]}
aws = cpu.pop("aws-update-kubeconfig")
print("cpu  %-28s %9.3f ms" % ("aws-update-kubeconfig", aws))
for k, v in cpu.items():
    print("cpu  %-28s %9.3f ms  (%.0fx less)" % (k, v, aws / v))
PY

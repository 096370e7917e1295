#!/usr/bin/env bats
# Hardening of the parsers (issue "Hardening"), beside tests/hardening.bats:
# every failing allocation in zone generation (ldns), in the
# credential_process JSON and in the Kubernetes answers is a clean error
# naming what ran out of memory, or is done without: never a crash, never
# a result that silently differs.  And KUBERNETES_EXEC_INFO (eksl-token's
# one input from kubectl) as hostile input.

load lib/common
load lib/psweep

FIX=$BATS_TEST_DIRNAME/fixtures
H1=abc.gr7.us-west-2.eks.amazonaws.com
H2=def.gr7.us-west-2.eks.amazonaws.com

setup() {
	D=$BATS_TEST_TMPDIR
}

rec() {	# rec HOST IP...: one record line with addresses
	local host=$1 a= ip
	shift
	for ip in "$@"; do
		a="$a${a:+,}{\"ip\":\"$ip\",\"source\":\"dns\"}"
	done
	printf '{"schema":"eksl.cluster.v1","host":"%s","addresses":[%s]}\n' \
	    "$host" "$a"
}

# ---- zone generation (lib/zone.c and ldns) ---------------------------------

# libldns asserts (or dereferences NULL) when some allocations fail inside
# it; listed in the hardening report, as in hardening.bats.
LDNS_KNOWN=' in ldns_|libldns'
# the record reader's errors ("stdin:LINE:..." or "stdin: record N:"),
# swept in hardening.bats; they do not always say that memory ran out
# (reported)
RECORD_OTHER='^eksl-zone: stdin(:[0-9]+:|: record [0-9]+:)'
# A degraded run's record: its errors[] entry may be lost to a failed
# allocation (eksl-zone's record note does not check
# eksl_record_add_error; reported), while the warning on stderr, which is
# compared, stays.
NOERRS='jq -c del(.errors)'

@test "allocation failures: zone generation and its ldns self-check (eksl-zone --format zone to stdout)" {
	plain_build_only
	ALLOC_KNOWN=$LDNS_KNOWN ALLOC_OTHER=$RECORD_OTHER run psweep "$FIX/zone/records.jsonl" \
	    "$EKSL_BIN/eksl-zone" --format zone --origin gr7.us-west-2.eks.amazonaws.com
	echo "$output"
	assert_success
	assert_output --regexp 'clean errors'
}

@test "allocation failures: a new rpz file (eksl-zone --format rpz --out)" {
	plain_build_only
	rec "$H1" 127.0.0.11 fd00::1 >"$D/in"
	rec "$H2" 127.0.0.12 >>"$D/in"
	ALLOC_KNOWN=$LDNS_KNOWN ALLOC_OTHER=$RECORD_OTHER SWEEP_FILE=$D/a.rpz PRE="rm -f $D/a.rpz" \
	    ALLOC_NORM="jq -c del(.zone.serial)" run psweep "$D/in" \
	    "$EKSL_BIN/eksl-zone" --format rpz --out "$D/a.rpz"
	echo "$output"
	assert_success
}

@test "allocation failures: hosts without addresses keep them from an existing zone (ldns reads it back)" {
	plain_build_only
	rec "$H1" 127.0.0.11 fd00::1 | eksl-zone --format zone --out "$D/orig.zone" >/dev/null
	printf '{"host":"%s","addresses":[]}\n' "$H1" >"$D/in"
	ALLOC_KNOWN=$LDNS_KNOWN ALLOC_OTHER=$RECORD_OTHER SWEEP_FILE=$D/a.zone PRE="cp $D/orig.zone $D/a.zone" \
	    ALLOC_NORM=$NOERRS run psweep "$D/in" "$EKSL_BIN/eksl-zone" --format zone --out "$D/a.zone"
	echo "$output"
	assert_success
	# the normal run kept both addresses (exit 1, degraded)
	grep -q "^$H1.	60	IN	AAAA	fd00::1" "$D/a.zone"
}

@test "allocation failures: hosts without addresses keep them from an existing unbound file" {
	plain_build_only
	{ rec "$H1" 127.0.0.11 fd00::1; rec "$H2" 127.0.0.12; } |
	    eksl-zone --format unbound --out "$D/orig.conf" >/dev/null
	{ printf '{"host":"%s","addresses":[]}\n' "$H1"; rec "$H2" 127.0.0.13; } >"$D/in"
	ALLOC_KNOWN=$LDNS_KNOWN ALLOC_OTHER=$RECORD_OTHER SWEEP_FILE=$D/a.conf PRE="cp $D/orig.conf $D/a.conf" \
	    ALLOC_NORM=$NOERRS run psweep "$D/in" "$EKSL_BIN/eksl-zone" --format unbound --out "$D/a.conf"
	echo "$output"
	assert_success
	grep -q "local-data: \"$H1. 60 IN AAAA fd00::1\"" "$D/a.conf"
	grep -q "local-data: \"$H2. 60 IN A 127.0.0.13\"" "$D/a.conf"
}

# ---- credential_process JSON (lib/awsconf.c) -------------------------------

CP_AK=AKIDPROCESS000000001
CP_SK=procSECRETwJalrXUtnFEMIK7MDENGbPxRfiCY00
CP_TOK=procTOKENIQoJb3JpZ2luX2VjEDoaCXVzLXdlc3QtMiJH

# tok_norm: the ExecCredential on stdin with its token's URL decoded and
# the time-dependent parts (date, signature, expiry) masked; the URL
# itself is added to $TOKEN_URLS for verify_urls.
tok_norm() {
	local j t
	j=$(cat)
	t=$(jq -r .status.token <<<"$j" 2>/dev/null) && [[ $t == k8s-aws-v1.* ]] || {
		printf '%s\n' "$j"
		return 0
	}
	t=${t#k8s-aws-v1.}
	while [ $(( ${#t} % 4 )) != 0 ]; do t="$t="; done
	t=$(basenc -d --base64url <<<"$t")
	printf '%s\n' "$t" >>"$TOKEN_URLS"
	jq -c 'del(.status)' <<<"$j"
	sed -E 's/(X-Amz-Date|X-Amz-Signature)=[^&]*/\1=x/g' <<<"$t"
}

# verify_urls AK SK TOKEN CLUSTER: botocore signs every URL in $TOKEN_URLS
# again with those credentials: each signature must match (a secret key
# that lost a byte in the parser signs differently).
verify_urls() {
	python3 - "$TOKEN_URLS" "$@" <<'PY'
import datetime, sys
from unittest import mock
from urllib.parse import urlsplit, parse_qsl
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
path, ak, sk, tok, cluster = sys.argv[1:6]
n = 0
for url in open(path).read().split():
    u = urlsplit(url)
    q = dict(parse_qsl(u.query, keep_blank_values=True))
    cred = q["X-Amz-Credential"].split("/")
    assert cred[0] == ak, cred
    assert q.get("X-Amz-Security-Token") == tok, "session token"
    when = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    req = AWSRequest(method="GET", url="https://%s/?Action=GetCallerIdentity"
                     "&Version=2011-06-15" % u.netloc,
                     headers={"x-k8s-aws-id": cluster})
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: when):
        botocore.auth.SigV4QueryAuth(Credentials(ak, sk, tok), "sts",
                                     cred[2], expires=60).add_auth(req)
    mine = dict(parse_qsl(urlsplit(req.url).query))["X-Amz-Signature"]
    if mine != q["X-Amz-Signature"]:
        sys.exit("signature mismatch in %s" % url)
    n += 1
print("verified %d tokens" % n)
PY
}

@test "allocation failures: credential_process output (eksl-token with a credential_process profile)" {
	plain_build_only
	mkdir -p "$HOME/.aws"
	printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2999-01-01T00:00:00Z"}\n' \
	    "$CP_AK" "$CP_SK" "$CP_TOK" >"$D/creds.json"
	# the process itself runs without the shim (env drops it first)
	printf '[default]\nregion = us-west-2\ncredential_process = env -u LD_PRELOAD -u FAILMALLOC_FAIL -u FAILMALLOC_COUNT cat %s\n' \
	    "$D/creds.json" >"$AWS_CONFIG_FILE"
	TOKEN_URLS=$D/urls
	ALLOC_NORM=tok_norm run psweep /dev/null "$EKSL_BIN/eksl-token" --cluster-name c1
	echo "$output"
	assert_success
	assert_output --regexp ' [1-9][0-9]* clean errors'
	run verify_urls "$CP_AK" "$CP_SK" "$CP_TOK" c1
	echo "$output"
	assert_success
	assert_output --regexp '^verified [1-9]'
}

@test "a credential_process answer that cannot be parsed for want of memory is an error, never mangled credentials" {
	plain_build_only
	mkdir -p "$HOME/.aws"
	printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' \
	    "$CP_AK" "$CP_SK" >"$D/creds.json"
	printf '[default]\nregion = us-west-2\ncredential_process = env -u LD_PRELOAD -u FAILMALLOC_FAIL cat %s\n' \
	    "$D/creds.json" >"$AWS_CONFIG_FILE"
	local so=$BATS_FILE_TMPDIR/failmalloc.so n hits=0
	[ -f "$so" ] || cc -O1 -shared -fPIC -o "$so" "$BATS_TEST_DIRNAME/shim/failmalloc.c"
	# every allocation of the run, one at a time: whichever fails inside
	# jansson's parse of the answer says so by name
	FAILMALLOC_COUNT=$D/count LD_PRELOAD=$so eksl-token --cluster-name c1 >/dev/null
	for n in $(seq 1 "$(cat "$D/count")"); do
		FAILMALLOC_FAIL=$n LD_PRELOAD=$so eksl-token --cluster-name c1 \
		    >/dev/null 2>"$D/err" && continue
		if grep -q "^eksl-token: credential_process: env: cannot parse the output: Cannot allocate memory$" "$D/err"; then
			hits=$((hits + 1))
		fi
	done
	echo "allocation failures inside the parse, reported as such: $hits"
	[ "$hits" -gt 0 ]
}

# eksl-kubeconfig: every flag, every documented error, and the real
# kubectl reading and using what it writes.

load lib/common
load lib/k8s
load lib/moto

FIX="$BATS_TEST_DIRNAME/fixtures/kubeconfig"
ARN=arn:aws:eks:us-west-2:111122223333:cluster/my-cluster
ID=a1b2c3d4-5678-90ab-cdef-111122223333

# rec [NAME [EXTRA_JSON_MEMBERS]]: a local cluster's record.
rec() {
	local name=${1:-my-cluster} extra=${2:-}
	printf '{"schema":"eksl.cluster.v1","name":"%s","region":"us-west-2",' "$name"
	printf '"arn":"arn:aws:eks:us-west-2:111122223333:cluster/%s",' "$name"
	printf '"id":"%s","endpoint":"https://%s.gr7.us-west-2.eks.amazonaws.com/",' "$ID" "$name"
	printf '"ca":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",'
	printf '"outpost":{"arn":"arn:aws:outposts:us-west-2:111122223333:outpost/op-0123456789abcdef0","controlPlaneInstanceType":"m5.large"}%s}\n' "$extra"
}

kc() { "$KUBECTL" --cache-dir "$BATS_TEST_TMPDIR/kcache" "$@"; }

# jp FILE JQ: a value (compact JSON, strings raw, null empty) from the
# kubeconfig as kubectl reads it (config view, cached per content: kubectl
# takes 0.15 s to start).
jp() {
	local v="$BATS_TEST_TMPDIR/view.$(cat "$1" | md5sum | cut -c1-16).json"
	[ -f "$v" ] || kc --kubeconfig "$1" config view --raw -o json >"$v"
	jq -rc "($2) // empty" "$v"
}

setup() {
	KCF="$BATS_TEST_TMPDIR/kube/config"
}



@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr eksl-kubeconfig --help
	assert_success
	assert_line --index 0 --partial 'usage: eksl-kubeconfig [--kubeconfig PATH] [--alias NAME]'
	assert_output --partial '[--exec eksl|aws] [--offline] [--embed]'
	[ -z "$stderr" ]
}

@test "--version prints the version" {
	run --separate-stderr eksl-kubeconfig --version
	assert_success
	assert_output --regexp '^eksl-kubeconfig .*[0-9]+\.[0-9]+'
}

@test "usage errors exit 2 with a reason and the usage" {
	run --separate-stderr eksl-kubeconfig --bogus
	assert_failure 2
	[[ $stderr == *"unrecognized option"* ]]
	[[ $stderr == *"usage: eksl-kubeconfig"* ]]

	run --separate-stderr eksl-kubeconfig --exec kubectl
	assert_failure 2
	[[ $stderr == *"eksl-kubeconfig: --exec: kubectl: not eksl or aws"* ]]

	run --separate-stderr eksl-kubeconfig --embed
	assert_failure 2
	[[ $stderr == *"eksl-kubeconfig: --embed: needs --offline"* ]]

	run --separate-stderr eksl-kubeconfig extra
	assert_failure 2
	[[ $stderr == *"eksl-kubeconfig: extra: unexpected argument"* ]]

	run --separate-stderr eksl-kubeconfig --alias ''
	assert_failure 2
	[[ $stderr == *"eksl-kubeconfig: an option's value is empty"* ]]

	run --separate-stderr eksl-kubeconfig --kubeconfig
	assert_failure 2
	[[ $stderr == *"requires an argument"* ]]
}

@test "--alias with two records is a usage error and writes nothing" {
	run --separate-stderr bash -c 'printf "%s\n%s\n" "$0" "$1" |
	    eksl-kubeconfig --kubeconfig "$2" --alias one' "$(rec a)" "$(rec b)" "$KCF"
	assert_failure 2
	[[ $stderr == *"eksl-kubeconfig: --alias names one context, but stdin has 2 records"* ]]
	[ ! -e "$KCF" ]
}

@test "a new kubeconfig: 0600 in a new 0700 directory, read by kubectl" {
	export HOME=$BATS_TEST_TMPDIR/newhome
	run_stdin "$(rec)" eksl-kubeconfig
	assert_success
	f=$HOME/.kube/config
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$HOME/.kube")" = 700 ]
	[ "$(echo "$output" | jq -r .kubeconfig.file)" = "$f" ]
	[ "$(echo "$output" | jq -r .kubeconfig.context)" = "$ARN" ]
	[ "$(echo "$output" | jq -r '.kubeconfig.offlineContext')" = null ]
	# The record passes through with every other field.
	[ "$(echo "$output" | jq -r .outpost.controlPlaneInstanceType)" = m5.large ]
	run kc --kubeconfig "$f" config get-contexts -o name
	assert_success
	assert_output "$ARN"
	[ "$(jp "$f" '.["current-context"]')" = "$ARN" ]
	[ "$(jp "$f" '.clusters[0].cluster.server')" = \
	    https://my-cluster.gr7.us-west-2.eks.amazonaws.com ]
	[ "$(jp "$f" '.clusters[0].cluster["certificate-authority-data"]')" = \
	    LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg== ]
	[ "$(jp "$f" '.users[0].user.exec.command')" = eksl-token ]
	[ "$(jp "$f" '.users[0].user.exec.apiVersion')" = \
	    client.authentication.k8s.io/v1beta1 ]
	[ "$(jp "$f" '.users[0].user.exec.args')" = \
	    "[\"--region\",\"us-west-2\",\"--cluster-id\",\"$ID\"]" ]
	[ ! -e "$f.lock" ]
}

@test "the token is by name for the instance-store variant and for non-local clusters" {
	run_stdin "$(rec is ',"x":1' | jq -c '.outpost.etcdInstanceType="i3en.xlarge"')" \
	    eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	[ "$(jp "$KCF" '.users[0].user.exec.args')" = \
	    '["--region","us-west-2","--cluster-name","is"]' ]
	run_stdin "$(rec cloud | jq -c 'del(.outpost)')" \
	    eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	[ "$(jp "$KCF" '.users[]|select(.name|endswith("/cloud")).user.exec.args')" = \
	    '["--region","us-west-2","--cluster-name","cloud"]' ]
}

@test "--role-arn, AWS_PROFILE, --alias and --user-alias" {
	AWS_PROFILE=prod run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF" \
	    --role-arn arn:aws:iam::111122223333:role/ops --alias prod \
	    --user-alias ops
	assert_success
	[ "$(echo "$output" | jq -r .kubeconfig.context)" = prod ]
	[ "$(jp "$KCF" '.["current-context"]')" = prod ]
	[ "$(jp "$KCF" '.contexts[0].context.cluster')" = "$ARN" ]
	[ "$(jp "$KCF" '.contexts[0].context.user')" = ops ]
	[ "$(jp "$KCF" '.users[0].name')" = ops ]
	[ "$(jp "$KCF" '.users[0].user.exec.args')" = \
	    "[\"--region\",\"us-west-2\",\"--cluster-id\",\"$ID\",\"--role-arn\",\"arn:aws:iam::111122223333:role/ops\"]" ]
	[ "$(jp "$KCF" '.users[0].user.exec.env[0]|.name+"="+.value')" = \
	    AWS_PROFILE=prod ]
}

@test "--exec aws writes the aws eks get-token form" {
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF" --exec aws \
	    --role-arn arn:aws:iam::111122223333:role/ops
	assert_success
	[ "$(jp "$KCF" '.users[0].user.exec.command')" = aws ]
	[ "$(jp "$KCF" '.users[0].user.exec.args')" = \
	    "[\"--region\",\"us-west-2\",\"eks\",\"get-token\",\"--cluster-id\",\"$ID\",\"--output\",\"json\",\"--role-arn\",\"arn:aws:iam::111122223333:role/ops\"]" ]
	# Back to eksl: the same user entry is rewritten, not duplicated.
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF" --exec eksl
	assert_success
	[ "$(jp "$KCF" '[.users[].user.exec.command]|join(" ")')" = eksl-token ]
}

@test "same input again: byte-identical file, not rewritten" {
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	cp "$KCF" "$BATS_TEST_TMPDIR/first"
	before=$(stat -c '%i %Y.%y' "$KCF")
	sleep 1
	run --separate-stderr bash -c 'eksl-kubeconfig -v --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_success
	cmp "$KCF" "$BATS_TEST_TMPDIR/first"
	[ "$(stat -c '%i %Y.%y' "$KCF")" = "$before" ]
	[[ $stderr == *"eksl-kubeconfig: $KCF: unchanged"* ]]
}

@test "merging keeps every foreign entry, extension and unknown field" {
	mkdir -p "${KCF%/*}"
	cp "$FIX/foreign.yaml" "$KCF"
	chmod 600 "$KCF"
	kc --kubeconfig "$KCF" config view --raw -o json >"$BATS_TEST_TMPDIR/before.json"
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	kc --kubeconfig "$KCF" config view --raw -o json >"$BATS_TEST_TMPDIR/after.json"
	# Foreign clusters, users, contexts and preferences are unchanged.
	for q in '.clusters|map(select(.name!="'$ARN'"))' \
	    '.users|map(select(.name!="'$ARN'"))' \
	    '.contexts|map(select(.name!="'$ARN'"))' '.preferences'; do
		[ "$(jq -S "$q" "$BATS_TEST_TMPDIR/before.json")" = \
		    "$(jq -S "$q" "$BATS_TEST_TMPDIR/after.json")" ]
	done
	[ "$(jq '.clusters|length' "$BATS_TEST_TMPDIR/after.json")" = 3 ]
	[ "$(kc --kubeconfig "$KCF" config get-contexts -o name | sort | tr '\n' ' ')" = \
	    "$ARN dev legacy " ]
	# What kubectl does not show survives too: compare the whole trees.
	python3 - "$FIX/foreign.yaml" "$KCF" "$ARN" <<'PY'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = yaml.safe_load(open(sys.argv[2]))
arn = sys.argv[3]
for d in (a, b):
    for k in ("clusters", "users", "contexts"):
        d[k] = [e for e in d[k] if e["name"] != arn]
    del d["current-context"]
assert a == b, (a, b)
PY
	# An existing cluster entry of ours keeps its other fields.
	[ "$(jp "$KCF" ".clusters[]|select(.name==\"$ARN\").cluster[\"tls-server-name\"]")" = \
	    pinned.example ]
	[ -z "$(jp "$KCF" ".clusters[]|select(.name==\"$ARN\").cluster[\"certificate-authority\"]")" ]
}

@test "an existing file keeps its mode; group-readable is warned about (not with -q)" {
	mkdir -p "${KCF%/*}"
	cp "$FIX/foreign.yaml" "$KCF"
	chmod 640 "$KCF"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_success
	[ "$(stat -c %a "$KCF")" = 640 ]
	[[ $stderr == *"eksl-kubeconfig: $KCF: readable by its group (mode 0640); it holds credentials: chmod 600 $KCF"* ]]
	run --separate-stderr bash -c 'eksl-kubeconfig -q --kubeconfig "$1" <<<"$0"' "$(rec b)" "$KCF"
	assert_success
	[ -z "$stderr" ]
}

@test "a kubeconfig that is not valid YAML is refused untouched with line:column (exit 3)" {
	mkdir -p "${KCF%/*}"
	cp "$FIX/corrupt.yaml" "$KCF"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == "eksl-kubeconfig: $KCF:5:10: did not find expected ',' or ']'"* ]]
	cmp "$KCF" "$FIX/corrupt.yaml"
	[ ! -e "$KCF.lock" ]
	# The record still comes out, with the error.
	[ "$(echo "$output" | jq -r '.errors[0].code')" = input ]
	[[ $(echo "$output" | jq -r '.errors[0].message') == "$KCF:5:10: "* ]]
	[ "$(echo "$output" | jq -r .kubeconfig)" = null ]
}

@test "a YAML file that is not a kind: Config is refused (exit 3)" {
	mkdir -p "${KCF%/*}"
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n' >"$KCF"
	cp "$KCF" "$BATS_TEST_TMPDIR/orig"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == *"eksl-kubeconfig: $KCF:2:7: not a kubeconfig: kind is Pod, not Config"* ]]
	cmp "$KCF" "$BATS_TEST_TMPDIR/orig"
	printf -- '- a\n- b\n' >"$KCF"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == *"eksl-kubeconfig: $KCF:1:1: not a kubeconfig: not a mapping"* ]]
	printf 'kind: Config\nclusters: {a: 1}\n' >"$KCF"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == *"eksl-kubeconfig: $KCF:2:11: clusters: not a list"* ]]
	printf 'kind: Config\n---\nkind: Config\n' >"$KCF"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == *"eksl-kubeconfig: $KCF:2:1: more than one YAML document"* ]]
}

@test "an empty existing file is an empty Config" {
	mkdir -p "${KCF%/*}"
	: >"$KCF"
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	[ "$(jp "$KCF" '.["current-context"]')" = "$ARN" ]
}

@test "a held .lock makes it wait, then fail cleanly (exit 6)" {
	mkdir -p "${KCF%/*}"
	cp "$FIX/foreign.yaml" "$KCF"
	chmod 600 "$KCF"
	: >"$KCF.lock"
	start=$(date +%s%N)
	EKSL_LOCK_TIMEOUT_MS=700 run --separate-stderr bash -c \
	    'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	end=$(date +%s%N)
	assert_failure 6
	[ $(((end - start) / 1000000)) -ge 700 ]
	[[ $stderr == *"eksl-kubeconfig: $KCF: cannot lock: $KCF.lock exists (held by another process, or left by one that died): timed out after 700ms"* ]]
	cmp "$KCF" "$FIX/foreign.yaml"
	# Someone else's lock is left alone.
	[ -e "$KCF.lock" ]
	[ "$(echo "$output" | jq -r '.errors[0].code')" = io ]
}

@test "a lock released while waiting is taken (kubectl's own lock)" {
	mkdir -p "${KCF%/*}"
	: >"$KCF.lock"
	(sleep 0.4; rm -f "$KCF.lock") &
	EKSL_LOCK_TIMEOUT_MS=5000 run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF"
	wait
	assert_success
	[ ! -e "$KCF.lock" ]
	[ "$(jp "$KCF" '.["current-context"]')" = "$ARN" ]
}

@test "killed while it holds the lock, it removes the lock (SIGTERM)" {
	mkdir -p "${KCF%/*}"
	# A FIFO as the kubeconfig: reading it blocks with the lock held.
	mkfifo "$KCF"
	rec | eksl-kubeconfig --kubeconfig "$KCF" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 200); do [ -e "$KCF.lock" ] && break; sleep 0.05; done
	[ -e "$KCF.lock" ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" = 143 ]
	[ ! -e "$KCF.lock" ]
}

@test "20 concurrent runs with distinct records leave 20 contexts and valid YAML" {
	pids=()
	for i in $(seq 1 20); do
		rec "c$i" | EKSL_LOCK_TIMEOUT_MS=60000 eksl-kubeconfig -q --kubeconfig "$KCF" >/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	run kc --kubeconfig "$KCF" config get-contexts -o name
	assert_success
	[ "${#lines[@]}" = 20 ]
	for i in $(seq 1 20); do
		assert_line "arn:aws:eks:us-west-2:111122223333:cluster/c$i"
	done
	python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert len(d["users"]) == 20 and len(d["clusters"]) == 20' "$KCF"
	[ ! -e "$KCF.lock" ]
}

@test "KUBECONFIG=a:b: the file holding the cluster, else the first that exists, else the first" {
	a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	# Neither exists: the first entry is created.
	KUBECONFIG=$a:$b run_stdin "$(rec kc1)" eksl-kubeconfig
	assert_success
	[ -f "$a" ] && [ ! -e "$b" ]
	[ "$(echo "$output" | jq -r .kubeconfig.file)" = "$a" ]
	# b holds the cluster: b is updated, a untouched.
	mv "$a" "$b"
	cp "$FIX/foreign.yaml" "$a"
	chmod 600 "$a"
	KUBECONFIG=$a:$b run --separate-stderr bash -c 'eksl-kubeconfig --alias again <<<"$0"' "$(rec kc1)"
	assert_success
	# a sets current-context first: kubectl would not use ours; say so.
	[[ $stderr == "eksl-kubeconfig: $a: its current-context (dev) comes first in KUBECONFIG: kubectl uses it, not again (kubectl config use-context again)" ]]
	[ "$(echo "$output" | jq -r .kubeconfig.file)" = "$b" ]
	cmp "$a" "$FIX/foreign.yaml"
	[ "$(kc --kubeconfig "$b" config get-contexts -o name | sort | tr '\n' ' ')" = \
	    "again arn:aws:eks:us-west-2:111122223333:cluster/kc1 " ]
	# A new cluster goes to the first file that exists (a missing entry first).
	KUBECONFIG=:$BATS_TEST_TMPDIR/none:$a:$b run_stdin "$(rec other)" eksl-kubeconfig
	assert_success
	[ "$(echo "$output" | jq -r .kubeconfig.file)" = "$a" ]
	# --kubeconfig wins over KUBECONFIG.
	KUBECONFIG=$a:$b run_stdin "$(rec kc1)" eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	[ "$(echo "$output" | jq -r .kubeconfig.file)" = "$KCF" ]
}

@test "a record without endpoint or ca gets errors[], is skipped, exit 1" {
	input=$(rec nope | jq -c 'del(.endpoint)'; rec noca | jq -c 'del(.ca)'; rec good)
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$input" "$KCF"
	assert_failure 1
	[[ $stderr == *"eksl-kubeconfig: nope: no endpoint in the record"* ]]
	[[ $stderr == *"eksl-kubeconfig: noca: no ca in the record"* ]]
	[ "${#lines[@]}" = 3 ]
	[ "$(echo "${lines[0]}" | jq -r '.errors[0].tool + " " + .errors[0].code')" = \
	    "eksl-kubeconfig input" ]
	[ "$(echo "${lines[0]}" | jq -r .kubeconfig)" = null ]
	[ "$(echo "${lines[2]}" | jq -r .kubeconfig.context)" = \
	    arn:aws:eks:us-west-2:111122223333:cluster/good ]
	run kc --kubeconfig "$KCF" config get-contexts -o name
	assert_output arn:aws:eks:us-west-2:111122223333:cluster/good
}

@test "a line that is not JSON is exit 3, the others still done" {
	run --separate-stderr bash -c 'printf "%s\n{nope\n" "$0" | eksl-kubeconfig --kubeconfig "$1"' "$(rec)" "$KCF"
	assert_failure 3
	[[ $stderr == *"eksl-kubeconfig: stdin:2:"* ]]
	[ "${#lines[@]}" = 1 ]
	[ -f "$KCF" ]
}

@test "--dry-run prints the merged YAML and writes nothing" {
	run --separate-stderr bash -c 'eksl-kubeconfig --dry-run --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_success
	[ ! -e "$KCF" ] && [ ! -e "${KCF%/*}" ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/dry.yaml"
	[ "$(jp "$BATS_TEST_TMPDIR/dry.yaml" '.["current-context"]')" = "$ARN" ]
	# Same as what a real run writes.
	run_stdin "$(rec)" eksl-kubeconfig --kubeconfig "$KCF"
	cmp "$KCF" "$BATS_TEST_TMPDIR/dry.yaml"
}

@test "--offline adds <context>-offline with the record's certificate files" {
	k8s_certs "$BATS_TEST_TMPDIR/pki" example.invalid
	k8s_client_cert "$BATS_TEST_TMPDIR/pki" admin admin system:masters
	cd "$BATS_TEST_TMPDIR"
	r=$(rec my-cluster ',"auth":{"user":"admin","cert":"pki/admin.crt","key":"pki/admin.key"}')
	run_stdin "$r" eksl-kubeconfig --offline --alias prod --kubeconfig "$KCF"
	assert_success
	[ "$(echo "$output" | jq -r .kubeconfig.offlineContext)" = prod-offline ]
	[ "$(jp "$KCF" '.["current-context"]')" = prod ]
	[ "$(jp "$KCF" '.contexts[]|select(.name=="prod-offline").context.user')" = "$ARN-offline" ]
	[ "$(jp "$KCF" '.contexts[]|select(.name=="prod-offline").context.cluster')" = "$ARN" ]
	[ "$(jp "$KCF" ".users[]|select(.name==\"$ARN-offline\").user[\"client-certificate\"]")" = \
	    "$BATS_TEST_TMPDIR/pki/admin.crt" ]
	[ "$(jp "$KCF" ".users[]|select(.name==\"$ARN-offline\").user[\"client-key\"]")" = \
	    "$BATS_TEST_TMPDIR/pki/admin.key" ]
	# A later online-only run keeps the offline context in the record.
	run_stdin "$(echo "$output")" eksl-kubeconfig --alias prod --kubeconfig "$KCF"
	assert_success
	[ "$(echo "$output" | jq -r .kubeconfig.offlineContext)" = prod-offline ]
}

@test "--offline --embed embeds the files; --dry-run shows the key redacted" {
	k8s_certs "$BATS_TEST_TMPDIR/pki" example.invalid
	k8s_client_cert "$BATS_TEST_TMPDIR/pki" admin admin system:masters
	r=$(rec my-cluster ",\"auth\":{\"cert\":\"$BATS_TEST_TMPDIR/pki/admin.crt\",\"key\":\"$BATS_TEST_TMPDIR/pki/admin.key\"}")
	run --separate-stderr bash -c 'eksl-kubeconfig --offline --embed --dry-run --kubeconfig "$1" <<<"$0"' "$r" "$KCF"
	assert_success
	assert_output --partial 'client-key-data: REDACTED'
	refute_output --partial "$(base64 -w0 "$BATS_TEST_TMPDIR/pki/admin.key")"
	[[ $stderr != *PRIVATE* ]]
	run --separate-stderr bash -c 'eksl-kubeconfig --offline --embed --kubeconfig "$1" <<<"$0"' "$r" "$KCF"
	assert_success
	refute_output --partial "$(base64 -w0 "$BATS_TEST_TMPDIR/pki/admin.key")"
	[ "$(jp "$KCF" ".users[]|select(.name==\"$ARN-offline\").user[\"client-key-data\"]")" = \
	    "$(base64 -w0 "$BATS_TEST_TMPDIR/pki/admin.key")" ]
	[ "$(jp "$KCF" ".users[]|select(.name==\"$ARN-offline\").user[\"client-certificate-data\"]")" = \
	    "$(base64 -w0 "$BATS_TEST_TMPDIR/pki/admin.crt")" ]
	[ -z "$(jp "$KCF" ".users[]|select(.name==\"$ARN-offline\").user[\"client-key\"]")" ]
}

@test "--offline without auth in the record: online context written, exit 1" {
	run --separate-stderr bash -c 'eksl-kubeconfig --offline --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 1
	[[ $stderr == *"eksl-kubeconfig: my-cluster: no auth.cert in the record (made by eksl-authcheck prepare)"* ]]
	[ "$(echo "$output" | jq -r .kubeconfig.context)" = "$ARN" ]
	[ "$(echo "$output" | jq -r .kubeconfig.offlineContext)" = null ]
	[ "$(echo "$output" | jq -r '.errors[0].code')" = input ]
	r=$(rec my-cluster ',"auth":{"cert":"/nonexistent/a.crt","key":"/nonexistent/a.key"}')
	run --separate-stderr bash -c 'eksl-kubeconfig --offline --kubeconfig "$1" <<<"$0"' "$r" "$KCF"
	assert_failure 1
	[[ $stderr == *"eksl-kubeconfig: /nonexistent/a.crt: No such file or directory"* ]]
}

@test "a write that fails leaves the file untouched and no lock (exit 6)" {
	mkdir -p "${KCF%/*}"
	cp "$FIX/foreign.yaml" "$KCF"
	chmod 600 "$KCF"
	EKSL_FAULT=rename:1:ENOSPC run --separate-stderr bash -c \
	    'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$KCF"
	assert_failure 6
	[[ $stderr == *"eksl-kubeconfig: $KCF: cannot replace: No space left on device"* ]]
	cmp "$KCF" "$FIX/foreign.yaml"
	[ ! -e "$KCF.lock" ]
	[ -z "$(ls -A "${KCF%/*}" | grep -v '^config$')" ]
}

@test "a directory that cannot be made is exit 6" {
	: >"$BATS_TEST_TMPDIR/file"
	run --separate-stderr bash -c 'eksl-kubeconfig --kubeconfig "$1" <<<"$0"' "$(rec)" "$BATS_TEST_TMPDIR/file/sub/config"
	assert_failure 6
	[[ $stderr == *"eksl-kubeconfig: $BATS_TEST_TMPDIR/file/sub: cannot create directory: Not a directory"* ]]
}

# ---- kubectl talks to a server through what we wrote ----
# One Kubernetes API stand-in for the file (setup_file), and an eksl-token
# for kubectl to run: with bin/eksl-token built, the real one against the
# moto wrapper's STS (the stand-in redeems each token there, checks its
# signature and that it names this cluster's id; moto's identity for the
# test key is the cluster creator, "kubernetes-admin"); else a stand-in
# script that checks the arguments kubectl passes and answers with a
# client certificate (an ExecCredential may carry one).

setup_file() {
	export K8S_DIR="$BATS_FILE_TMPDIR/k8s"
	export OUTPOST_ARN=arn:aws:outposts:us-west-2:123456789012:outpost/op-0123456789abcdef0
	if [ -x "$EKSL_BIN/eksl-token" ]; then
		moto_start
		export K8S_CREATOR_ARN=arn:aws:sts::123456789012:user/moto
		export K8S_AWS_SECRETS="$MOTO_TEST_ACCESS_KEY:$MOTO_TEST_SECRET_KEY"
		k8s_start
		export EXEC_USER=kubernetes-admin
	else
		k8s_start
		k8s_client_cert "$K8S_DIR" execuser exec-user system:masters
		mkdir -p "$BATS_FILE_TMPDIR/fakebin"
		cat >"$BATS_FILE_TMPDIR/fakebin/eksl-token" <<EOF
#!/bin/sh
[ "\$*" = "--region us-west-2 --cluster-id $K8S_CLUSTER_ID" ] || { echo "bad args: \$*" >&2; exit 2; }
echo ran >>"$BATS_FILE_TMPDIR/exec-ran"
jq -n --rawfile c "$K8S_DIR/execuser.crt" --rawfile k "$K8S_DIR/execuser.key" \
    '{apiVersion:"client.authentication.k8s.io/v1beta1",kind:"ExecCredential",
      status:{clientCertificateData:\$c,clientKeyData:\$k}}'
EOF
		chmod +x "$BATS_FILE_TMPDIR/fakebin/eksl-token"
		export EXEC_USER=exec-user
	fi
}

teardown_file() {
	k8s_stop || true
	moto_stop || true
}

# kpin ARGS...: the real kubectl, with /etc/hosts mapping the stand-in's
# name to its addresses, and the fake eksl-token when the real one is not
# built.
kpin() {
	[ -n "${MOTO_URL:-}" ] && moto_env
	PATH="$BATS_FILE_TMPDIR/fakebin:$PATH" k8s_pinned "$KUBECTL" \
	    --cache-dir "$BATS_TEST_TMPDIR/kcache" "$@"
}

# nopin ARGS...: the same with an eksl-token that always fails and no AWS
# credentials: the offline path must not need either.
nopin() {
	mkdir -p "$BATS_TEST_TMPDIR/nobin"
	printf '#!/bin/sh\nexit 1\n' >"$BATS_TEST_TMPDIR/nobin/eksl-token"
	chmod +x "$BATS_TEST_TMPDIR/nobin/eksl-token"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    PATH="$BATS_TEST_TMPDIR/nobin:$PATH" bash -c \
	    '. "$0"; shift; k8s_pinned "$@"' "$EKSL_TOP/tests/lib/k8s.bash" x \
	    "$KUBECTL" --cache-dir "$BATS_TEST_TMPDIR/kcache" "$@"
}

@test "kubectl get --raw /version and auth whoami through the exec plugin (eksl-token)" {
	rm -f "$BATS_FILE_TMPDIR/exec-ran"
	run_stdin "$(k8s_record | jq -c '.outpost={arn:env.OUTPOST_ARN}')" \
	    eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	run kpin --kubeconfig "$KCF" get --raw /version
	assert_success
	[ "$(echo "$output" | jq -r .major)" = 1 ]
	run kpin --kubeconfig "$KCF" auth whoami -o jsonpath='{.status.userInfo.username}'
	assert_success
	assert_output "$EXEC_USER"
	[ -x "$EKSL_BIN/eksl-token" ] || [ -f "$BATS_FILE_TMPDIR/exec-ran" ]
	# The same context with no way to get a token fails: the plugin is used.
	run nopin --kubeconfig "$KCF" get --raw /version
	assert_failure
	assert_output --partial "getting credentials: exec: executable eksl-token failed"
}

@test "a context whose token names another cluster id is refused (401)" {
	[ -x "$EKSL_BIN/eksl-token" ] || skip "eksl-token is not built"
	run_stdin "$(k8s_record | jq -c '.id="00000000-0000-4000-8000-000000000000" |
	    .outpost={arn:env.OUTPOST_ARN}')" eksl-kubeconfig --kubeconfig "$KCF"
	assert_success
	run kpin --kubeconfig "$KCF" auth whoami
	assert_failure
	assert_output --partial "Unauthorized"
}

@test "kubectl get --raw /version and auth whoami through the offline x.509 context" {
	k8s_client_cert "$K8S_DIR" admin offline-admin system:masters
	r=$(k8s_record | jq -c --arg c "$K8S_DIR/admin.crt" --arg k "$K8S_DIR/admin.key" \
	    '.outpost={arn:env.OUTPOST_ARN} | .auth={user:"offline-admin",cert:$c,key:$k}')
	run_stdin "$r" eksl-kubeconfig --offline --embed --kubeconfig "$KCF"
	assert_success
	ctx=$(echo "$output" | jq -r .kubeconfig.offlineContext)
	run nopin --kubeconfig "$KCF" --context "$ctx" get --raw /version
	assert_success
	[ "$(echo "$output" | jq -r .major)" = 1 ]
	run nopin --kubeconfig "$KCF" --context "$ctx" auth whoami \
	    -o jsonpath='{.status.userInfo.username}'
	assert_success
	assert_output offline-admin
}

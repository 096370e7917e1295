#!/usr/bin/env bats
# lib/awsconf through the awscall test driver: the credentials chain,
# credential_process, region, endpoints and config errors.

load lib/common

setup() {
	[ -x "$EKSL_BUILD/tools/awscall" ] || skip "awscall not built"
	mkdir -p "$HOME/.aws"
	# The machine may export these; tests set them when they need them.
	unset AWS_CA_BUNDLE AWS_ENDPOINT_URL_EKS AWS_ENDPOINT_URL_EC2 \
	    AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_OUTPOSTS \
	    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS AWS_MAX_ATTEMPTS
	bin="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$bin"
}

awscall() {
	"$EKSL_BUILD/tools/awscall" "$@"
}

SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
TOKEN=FQoGZXIvYXdzEXAMPLETOKENfromTheProcess

# mkproc NAME BODY: an executable script in $bin.
mkproc() {
	printf '#!/bin/sh\n%s\n' "$2" >"$bin/$1"
	chmod +x "$bin/$1"
}

@test "credential_process: JSON Version 1 is read, secrets kept off stdout" {
	mkproc creds "cat <<'J'
{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", \"SecretAccessKey\": \"$SECRET\",
 \"SessionToken\": \"$TOKEN\", \"Expiration\": \"2099-01-02T03:04:05Z\"}
J"
	printf '[default]\nregion = us-west-2\ncredential_process = %s\n' \
	    "$bin/creds" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_success
	assert_line 'source custom-process'
	assert_line 'access_key AKPROC'
	assert_line 'session_token set'
	assert_line 'expiration 4071006245'
	assert_line 'region us-west-2'
	refute_output --partial "$SECRET"
	refute_output --partial "$TOKEN"
	assert_equal "$stderr" ""
}

@test "credential_process: the command is split like the CLI (quotes, no shell)" {
	# The script puts its arguments into AccessKeyId, joined by '|'.
	mkproc 'my creds' 'k=$(printf "%s|" "$@")
printf "{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"s\"}" "$k"'
	cat >"$HOME/.aws/config" <<EOF2
[profile p]
credential_process = "$bin/my creds" 'a b' c\\'d "e \$HOME" f;g
EOF2
	run --separate-stderr awscall --profile p --show-config
	assert_success
	assert_line "access_key a b|c'd|e \$HOME|f;g|"
}

@test "credential_process: runs from PATH; stdin is not the caller's" {
	mkproc pcreds 'if read -r x; then k=STDIN; else k=NOSTDIN; fi
printf "{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"s\"}" "$k"'
	printf '[default]\ncredential_process = pcreds\n' >"$HOME/.aws/config"
	PATH="$bin:$PATH" run --separate-stderr bash -c 'echo hello | "$0" --show-config' "$EKSL_BUILD/tools/awscall"
	assert_success
	assert_line 'access_key NOSTDIN'
}

@test "credential_process: a failing process is an error; its stderr passes through" {
	mkproc bad 'echo "bad: token service down" >&2; exit 2'
	printf '[default]\ncredential_process = %s\n' "$bin/bad" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "$(printf 'bad: token service down\nawscall: credential_process: %s: exited with status 2' "$bin/bad")"
}

@test "credential_process: output that is not JSON is refused without quoting it" {
	mkproc leaky "echo '{\"Version\": 1, \"SecretAccessKey\": \"$SECRET\" oops'"
	printf '[default]\ncredential_process = %s\n' "$bin/leaky" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_regex "$stderr" '^awscall: credential_process: .*/leaky: output is not JSON \(line 1, column [0-9]+\)$'
	[[ $stderr != *"$SECRET"* ]]
}

@test "credential_process: wrong Version and missing keys are refused" {
	mkproc v2 'echo "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\"}"'
	printf '[default]\ncredential_process = %s\n' "$bin/v2" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "awscall: credential_process: $bin/v2: unsupported Version (want 1)"
	mkproc nokey 'echo "{\"Version\": 1, \"SecretAccessKey\": \"s\"}"'
	printf '[default]\ncredential_process = %s\n' "$bin/nokey" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "awscall: credential_process: $bin/nokey: missing AccessKeyId"
}

@test "credential_process: expired credentials are refused" {
	mkproc old 'echo "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", \"Expiration\": \"2020-01-01T00:00:00Z\"}"'
	printf '[default]\ncredential_process = %s\n' "$bin/old" >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "awscall: credential_process: $bin/old: credentials expired at 2020-01-01T00:00:00Z"
}

@test "credential_process: a hanging process is killed after the time cap" {
	mkproc hang 'sleep 30'
	printf '[default]\ncredential_process = %s\n' "$bin/hang" >"$HOME/.aws/config"
	EKSL_PROCESS_TIMEOUT_MS=300 run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "awscall: credential_process: $bin/hang: timed out after 300 ms"
}

@test "credential_process: a missing program is named" {
	printf '[default]\ncredential_process = /nonexistent/creds --x\n' >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_failure 3
	assert_equal "$stderr" "awscall: credential_process: /nonexistent/creds: cannot run: No such file or directory"
}

@test "credentials file keys come before credential_process" {
	printf '[default]\naws_access_key_id = AKFILE\naws_secret_access_key = %s\n' "$SECRET" >"$HOME/.aws/credentials"
	printf '[default]\ncredential_process = /nonexistent/creds\n' >"$HOME/.aws/config"
	run --separate-stderr awscall --show-config
	assert_success
	assert_line 'source shared-credentials-file'
	assert_line 'access_key AKFILE'
	assert_line 'session_token none'
}

@test "environment credentials win, unless --profile is given" {
	printf '[p]\naws_access_key_id = AKP\naws_secret_access_key = s\n' >"$HOME/.aws/credentials"
	export AWS_ACCESS_KEY_ID=AKENV AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN
	AWS_PROFILE=p run --separate-stderr awscall --show-config
	assert_success
	assert_line 'source env'
	assert_line 'access_key AKENV'
	assert_line 'profile p'
	run --separate-stderr awscall --profile p --show-config
	assert_success
	assert_line 'access_key AKP'
	assert_line 'source shared-credentials-file'
}

@test "no credentials: exit 3, says where it looked" {
	run --separate-stderr awscall --caller
	assert_failure 3
	assert_equal "$stderr" "awscall: no credentials: looked in the environment, $HOME/.aws/credentials, $HOME/.aws/config (profile default)"
}

@test "an unknown profile is an error" {
	run --separate-stderr awscall --profile nope --caller
	assert_failure 3
	assert_equal "$stderr" "awscall: profile nope: not found in $HOME/.aws/credentials or $HOME/.aws/config"
}

@test "a malformed config file is named with its line" {
	printf '[default]\nregion = us-west-2\n  \n# c\nnonsense here\n' >"$HOME/.aws/config"
	run --separate-stderr awscall --caller
	assert_failure 3
	assert_equal "$stderr" "awscall: $HOME/.aws/config:5: expected \"key = value\""
}

@test "AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files" {
	printf '[default]\naws_access_key_id = AKALT\naws_secret_access_key = s\n' >"$BATS_TEST_TMPDIR/c"
	printf '[default]\nregion = eu-north-1\n' >"$BATS_TEST_TMPDIR/f"
	AWS_SHARED_CREDENTIALS_FILE=$BATS_TEST_TMPDIR/c AWS_CONFIG_FILE=$BATS_TEST_TMPDIR/f \
	    run --separate-stderr awscall --show-config
	assert_success
	assert_line 'access_key AKALT'
	assert_line 'region eu-north-1'
	assert_line 'endpoint eks https://eks.eu-north-1.amazonaws.com'
	assert_line 'endpoint iam https://iam.amazonaws.com'
	assert_line 'endpoint outposts https://outposts.eu-north-1.amazonaws.com'
}

@test "region: --region over AWS_REGION over AWS_DEFAULT_REGION over profile" {
	printf '[default]\nregion = us-east-1\n' >"$HOME/.aws/config"
	run awscall --show-config
	assert_line 'region us-east-1'
	AWS_DEFAULT_REGION=us-east-2 run awscall --show-config
	assert_line 'region us-east-2'
	AWS_DEFAULT_REGION=us-east-2 AWS_REGION=us-west-1 run awscall --show-config
	assert_line 'region us-west-1'
	AWS_REGION=us-west-1 run awscall --region ap-east-1 --show-config
	assert_line 'region ap-east-1'
	run --separate-stderr awscall --region 'us-west-2.evil' --show-config
	assert_failure 3
	assert_equal "$stderr" 'awscall: region "us-west-2.evil": not a valid region name'
}

@test "endpoints: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, profile, --endpoint-url" {
	printf '[default]\nregion = us-west-2\nendpoint_url = http://prof:1\n' >"$HOME/.aws/config"
	AWS_ENDPOINT_URL_EKS=http://eks:2 AWS_ENDPOINT_URL=http://all:3 \
	    AWS_ENDPOINT_URL_OUTPOSTS=http://op:4 run awscall --show-config
	assert_line 'endpoint eks http://eks:2'
	assert_line 'endpoint ec2 http://all:3'
	assert_line 'endpoint outposts http://op:4'
	run awscall --show-config
	assert_line 'endpoint sts http://prof:1'
	AWS_ENDPOINT_URL_EKS=http://eks:2 run awscall --endpoint-url http://flag:5 --show-config
	assert_line 'endpoint eks http://flag:5'
	assert_line 'endpoint iam http://flag:5'
}

@test "CA bundle: AWS_CA_BUNDLE, else the profile's ca_bundle" {
	printf '[default]\nca_bundle = /etc/ssl/prof.pem\n' >"$HOME/.aws/config"
	run awscall --show-config
	assert_line 'ca_bundle /etc/ssl/prof.pem'
	AWS_CA_BUNDLE=/etc/ssl/env.pem run awscall --show-config
	assert_line 'ca_bundle /etc/ssl/env.pem'
}

@test "a missing CA bundle file fails the TLS set-up (exit 5, not retried)" {
	export AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=s AWS_REGION=us-west-2
	AWS_CA_BUNDLE=/nonexistent/ca.pem run --separate-stderr awscall --endpoint-url https://127.0.0.1:1 --caller
	assert_failure 5
	assert_regex "$stderr" '^awscall: (TLSError|ConnectFailed): .*\(([13]) attempts?\)$'
}

# botocore_says [--profile P]: "access_key region" as botocore resolves them
# (botocore reads AWS_DEFAULT_REGION, not AWS_REGION; the cases keep to it).
botocore_says() {
	python3 - "$@" <<'PY'
import sys
import botocore.session
prof = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--profile" else None
s = botocore.session.Session(profile=prof)
c = s.get_credentials()
print((c.access_key if c else "-"), s.get_config_variable("region") or "-")
PY
}

# eksl_says [--profile P]: the same from awscall --show-config.
eksl_says() {
	awscall "$@" --show-config | awk '
	    $1 == "access_key" { ak = $2 } $1 == "region" { r = $2 }
	    END { print (ak == "" ? "-" : ak), r }'
}

@test "the same access key and region as botocore, over a set of configurations" {
	local i=0
	while IFS='|' read -r creds config env args; do
		i=$((i + 1))
		printf '%b' "$creds" >"$HOME/.aws/credentials"
		printf '%b' "$config" >"$HOME/.aws/config"
		want=$(env $env bash -c "$(declare -f botocore_says); botocore_says $args")
		got=$(env $env bash -c "$(declare -f eksl_says awscall); EKSL_BUILD=$EKSL_BUILD eksl_says $args")
		if [ "$got" != "$want" ]; then
			echo "case $i: eksl says '$got', botocore says '$want'"
			return 1
		fi
	done <<'CASES'
[default]\naws_access_key_id = AK1\naws_secret_access_key = s\n|[default]\nregion = us-west-2\n||
[x]\naws_access_key_id=AKX\naws_secret_access_key=s\n|[profile x]\nregion = eu-west-1\n[default]\nregion = us-east-1\n||--profile x
[x]\naws_access_key_id=AKX\naws_secret_access_key=s\n|[profile x]\nregion = eu-west-1\n|AWS_PROFILE=x|
[x]\naws_access_key_id=AKX\naws_secret_access_key=s\n|[profile x]\nregion = eu-west-1\n|AWS_PROFILE=x AWS_ACCESS_KEY_ID=AKENV AWS_SECRET_ACCESS_KEY=s|
[x]\naws_access_key_id=AKX\naws_secret_access_key=s\n|[profile x]\nregion = eu-west-1\n|AWS_ACCESS_KEY_ID=AKENV AWS_SECRET_ACCESS_KEY=s|--profile x
|[default]\n# c\n; c\naws_access_key_id : AKC\naws_secret_access_key = s\nregion=ap-south-1\ns3 =\n  max_concurrent_requests = 4\n||
[default]\naws_access_key_id = AKF\naws_secret_access_key = s\n|[default]\naws_access_key_id = AKC\naws_secret_access_key = s\n|AWS_DEFAULT_REGION=ca-central-1|
[p]\nregion = us-east-2\naws_access_key_id = AKP\naws_secret_access_key = s\n|||--profile p
|[profile p]\nregion = us-east-2\n[default]\naws_access_key_id = AKD\naws_secret_access_key = s\n|AWS_DEFAULT_REGION=sa-east-1|
|[default]\ncredential_process = printf '{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "s"}'\n||
[default]\naws_access_key_id = AKF\naws_secret_access_key = s\n|[default]\ncredential_process = printf '{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "s"}'\n||
CASES
	[ "$i" -eq 11 ]
}

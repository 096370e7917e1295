# Shared set-up for the bats tests.  Every test runs inside the private
# network namespace made by tests/run.sh, with the programs on PATH.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

: "${EKSL_TOP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${EKSL_BIN:=$EKSL_TOP/bin}"
: "${EKSL_BUILD:=$EKSL_TOP/build/obj}"
export PATH="$EKSL_BIN:$PATH"
# Never read the real AWS configuration or write the real kubeconfig.
export HOME="$BATS_TEST_TMPDIR/home"
export AWS_CONFIG_FILE="$HOME/.aws/config"
export AWS_SHARED_CREDENTIALS_FILE="$HOME/.aws/credentials"
export XDG_STATE_HOME="$HOME/.local/state"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION \
    AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_ENDPOINT_URL AWS_CA_BUNDLE KUBECONFIG
# Nor a proxy of the machine: our clients and the aws CLI would send the
# stand-ins' traffic to it (tests that mean a proxy set their own).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY SSL_CERT_FILE SSL_CERT_DIR
mkdir -p "$HOME"

# The real kubectl, not Google Cloud's version-probing dispatcher.
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32

# run_stdin STRING CMD...: run CMD with STRING on stdin (bats' run has no
# stdin of its own).
run_stdin() {
	local input=$1
	shift
	run bash -c '"$@" <<<"$0"' "$input" "$@"
}

# assert_stderr_line: bats merges stderr into $output unless --separate-stderr;
# tests that need to tell them apart use run --separate-stderr (bats >= 1.5).
bats_require_minimum_version 1.5.0

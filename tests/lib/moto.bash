# The moto wrapper (tests/moto_wrapper.py) for bats files.  Load after
# lib/common; call moto_start from setup_file and moto_stop from
# teardown_file, moto_reset from setup.
#
#   moto_start            start it, wait until ready; exports MOTO_URL, MOTO_PID
#   moto_stop             stop it by PID and wait for it to exit
#   moto_reset            clear moto, fault rules, canned clusters, the log
#   moto_fault JSON       add a fault rule (or an array of rules)
#   moto_canned NAME JSON set the DescribeCluster sequence of NAME
#   moto_requests         print the request log (a JSON array)
#   moto_env              export test credentials, region and endpoint
#   moto_outpost JSON     set the Outpost (Outposts API, subnets, local gateway)
#   moto_versions JSON    set the DescribeClusterVersions answer ({"versions": ...})
#   moto_bench METHOD ROUTE [JSON]  a bench call (VPCs, instances, roles; see
#                         tests/moto_wrapper.py); prints its JSON answer

MOTO_TEST_ACCESS_KEY=AKIDEXAMPLE
MOTO_TEST_SECRET_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY

# _moto_curl METHOD PATH [BODY]: a control call; fails on an HTTP error.
_moto_curl() {
	local method=$1 path=$2 body=${3-}
	if [ -z "${MOTO_URL-}" ]; then
		echo "moto: not started" >&2
		return 1
	fi
	if [ -n "$body" ]; then
		curl -sS --fail-with-body --noproxy '*' -X "$method" \
		    -H 'Content-Type: application/json' --data-binary "$body" \
		    "$MOTO_URL$path"
	else
		curl -sS --fail-with-body --noproxy '*' -X "$method" \
		    "$MOTO_URL$path"
	fi
}

# _moto_quiet CMD...: run CMD, showing its output only when it fails.
_moto_quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out" >&2
		return 1
	fi
}

moto_start() {
	local dir=${BATS_FILE_TMPDIR:-${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}}
	local top=${EKSL_TOP:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
	local portfile="$dir/moto.port" i
	# Started twice: stop the first one.
	if [ -n "${MOTO_PID-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
		moto_stop
	fi
	rm -f "$portfile"
	MOTO_IAM_LOAD_MANAGED_POLICIES=true EKSL_MOTO_QUIET=${EKSL_MOTO_QUIET-1} \
	    python3 "$top/tests/moto_wrapper.py" --port-file "$portfile" \
	    --parent $$ >"$dir/moto.log" 2>&1 </dev/null 3>&- &
	MOTO_PID=$!
	export MOTO_PID
	# Ready in about a second; allow much more on a loaded machine.
	for i in $(seq 1 600); do
		if [ -s "$portfile" ]; then
			MOTO_URL="http://127.0.0.1:$(cat "$portfile")"
			export MOTO_URL
			if curl -sf --noproxy '*' -o /dev/null \
			    "$MOTO_URL/_eksl/ready"; then
				return 0
			fi
		fi
		if ! kill -0 "$MOTO_PID" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "moto: wrapper did not start; log follows" >&2
	cat "$dir/moto.log" >&2
	moto_stop
	return 1
}

moto_stop() {
	if [ -n "${MOTO_PID-}" ]; then
		kill "$MOTO_PID" 2>/dev/null
		wait "$MOTO_PID" 2>/dev/null || :
		# Not our child (started in another shell): poll for its exit.
		local i
		for i in $(seq 1 100); do
			kill -0 "$MOTO_PID" 2>/dev/null || break
			sleep 0.05
		done
	fi
	unset MOTO_PID MOTO_URL
	return 0
}

moto_reset() {
	_moto_quiet _moto_curl POST /_eksl/reset
}

moto_fault() {
	_moto_quiet _moto_curl POST /_eksl/faults "$1"
}

moto_canned() {
	_moto_quiet _moto_curl POST "/_eksl/clusters/$1" "$2"
}

moto_outpost() {
	_moto_quiet _moto_curl POST /_eksl/outpost "$1"
}

moto_versions() {
	_moto_quiet _moto_curl POST /_eksl/versions "$1"
}

moto_bench() {
	if [ -z "${MOTO_URL-}" ]; then
		echo "moto: not started" >&2
		return 1
	fi
	curl -sS --fail-with-body --noproxy '*' -X "$1" \
	    -H 'Content-Type: application/json' --data-binary "${3-}" \
	    "$MOTO_URL/_eksl/bench/$2"
}

moto_requests() {
	_moto_curl GET /_eksl/requests
	echo
}

moto_env() {
	export AWS_ACCESS_KEY_ID=$MOTO_TEST_ACCESS_KEY
	export AWS_SECRET_ACCESS_KEY=$MOTO_TEST_SECRET_KEY
	unset AWS_SESSION_TOKEN
	export AWS_REGION=us-west-2
	export AWS_ENDPOINT_URL=$MOTO_URL
	# A proxy from the environment must not catch loopback requests.
	export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
	export NO_PROXY=$no_proxy
}

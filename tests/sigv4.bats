#!/usr/bin/env bats
# lib/sigv4 against botocore over generated requests (tests/sigv4_diff.py
# drives tests/tools/sigv4tool).  Each mode must show 0 mismatches over at
# least 200 requests; on failure the first mismatch is printed.

load lib/common

setup() {
	TOOL=$EKSL_BUILD/tools/sigv4tool
	[ -x "$TOOL" ] || skip "sigv4tool not built: $TOOL"
}

@test "sigv4: header signing matches botocore SigV4Auth over 250 requests" {
	run python3 "$EKSL_TOP/tests/sigv4_diff.py" --tool "$TOOL" \
	    --mode header --count 250
	echo "$output"
	assert_success
	assert_line "250 requests, 0 mismatches (header mode)"
}

@test "sigv4: presigning matches botocore SigV4QueryAuth over 250 requests" {
	run python3 "$EKSL_TOP/tests/sigv4_diff.py" --tool "$TOOL" \
	    --mode query --count 250
	echo "$output"
	assert_success
	assert_line "250 requests, 0 mismatches (query mode)"
}

@test "sigv4: a second seed, header and query, 200 requests each" {
	run python3 "$EKSL_TOP/tests/sigv4_diff.py" --tool "$TOOL" \
	    --mode header --count 200 --seed 7
	echo "$output"
	assert_success
	assert_line "200 requests, 0 mismatches (header mode)"
	run python3 "$EKSL_TOP/tests/sigv4_diff.py" --tool "$TOOL" \
	    --mode query --count 200 --seed 7
	echo "$output"
	assert_success
	assert_line "200 requests, 0 mismatches (query mode)"
}

@test "sigv4: the differential reports a mismatch (a broken signer fails)" {
	# A signer that answers garbage must be caught, or the tests above
	# could pass by accident.
	fake=$BATS_TEST_TMPDIR/fake
	printf '#!/bin/sh\nwhile read -r l; do echo "{\\"creq\\":\\"x\\",\\"sts\\":\\"y\\",\\"sig\\":\\"z\\",\\"authz\\":\\"w\\"}"; done\n' >"$fake"
	chmod +x "$fake"
	run python3 "$EKSL_TOP/tests/sigv4_diff.py" --tool "$fake" \
	    --mode header --count 5
	assert_failure
	assert_line "5 requests, 5 mismatches (header mode)"
	assert_line "first mismatch, request:"
}

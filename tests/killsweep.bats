#!/usr/bin/env bats
# Kill sweep of eksl-authcheck prepare (issue "Hardening"): SIGKILL at
# random moments while it makes a key, has it signed and writes the key
# and certificate files, first from nothing and then renewing a pair.
# A certificate at its final name always has its key there and matches
# it, and the next run always succeeds and leaves no temporary or .new
# file.  (The
# other writers' kill sweeps are in hardening.bats and hosts.bats.)

load lib/common
load lib/moto
load lib/k8s

# Runs: the issue asks for 500 per program; a prepare run is a key,
# a CSR round trip and two TLS handshakes, so each costs far more than a
# hosts or zone write.  EKSL_KILL_RUNS sets it (.ci/run: 500).
RUNS=${EKSL_KILL_RUNS:-100}

setup_file() {
	moto_start
}

teardown_file() {
	moto_stop
}

setup() {
	D=$BATS_TEST_TMPDIR
	moto_reset
	moto_env
	k8s_start
	k8s_record >"$D/rec"
}

teardown() {
	k8s_stop
}

# pair_ok DIR: a certificate at its final name is never there without
# the key at its final name, and always matches it.  Neither may be there
# (the first run was killed early), or the key alone (a first run killed
# between the key's rename and the certificate's: the next run makes its
# certificate; a renewal keeps the key and renames the certificate only).
# Sets LONE when the key is alone.
pair_ok() {
	local k=$1/standin.key c=$1/standin.crt
	LONE=0
	[ ! -e "$k" ] && [ ! -e "$c" ] && return 0
	[ -s "$k" ] || return 1
	if [ ! -e "$c" ]; then
		LONE=1
		openssl pkey -in "$k" -noout 2>/dev/null
		return
	fi
	[ -s "$c" ] || return 1
	[ "$(openssl pkey -in "$k" -pubout 2>/dev/null)" = \
	    "$(openssl x509 -in "$c" -noout -pubkey 2>/dev/null)" ]
}

# leftovers DIR: temporary or half-made files in DIR
leftovers() {
	ls -a "$1" | grep -E '\.eksl-tmp\.|\.new$' || true
}

@test "kill sweep: SIGKILLed eksl-authcheck prepare runs never leave a certificate without its key; the next run succeeds" {
	local i t0 t1 max d pid rc bad=0 killed=0 lone=0
	# Timed renewals that are not killed: the kills spread over 1.5
	# times the slower of two.
	eksl-authcheck prepare --dir "$D/t" <"$D/rec" >/dev/null
	max=0
	for i in 1 2; do
		t0=$(date +%s%N)
		eksl-authcheck prepare --dir "$D/t" --renew-days 10000 \
		    <"$D/rec" >/dev/null
		t1=$(date +%s%N)
		d=$(( (t1 - t0) / 1000 * 3 / 2 ))
		[ "$d" -gt "$max" ] && max=$d
	done
	rm -rf "$D/t"
	for i in $(seq 1 "$RUNS"); do
		# Every fifth run starts from nothing (the first prepare).
		[ $((i % 5)) -eq 1 ] && rm -rf "$D/c"
		# --renew-days beyond any certificate: every run after the
		# first whole one renews the pair (the .new files, the renames).
		eksl-authcheck prepare --dir "$D/c" --renew-days 10000 \
		    <"$D/rec" >/dev/null 2>"$D/err" &
		pid=$!
		d=$(( (RANDOM * 32768 + RANDOM) % max ))
		sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
		kill -KILL "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		case $rc in
		137) killed=$((killed + 1)) ;;
		0) ;;
		*) echo "run $i: exit $rc: $(cat "$D/err")" ;;
		esac
		if ! pair_ok "$D/c"; then
			echo "run $i: torn pair: $(ls -l "$D/c")"
			bad=$((bad + 1))
			break
		fi
		lone=$((lone + LONE))
	done
	echo "kill sweep: $RUNS runs ($killed killed, max $max us), $bad torn, $lone left a key alone (completed by the next run)"
	[ "$bad" -eq 0 ]
	# The next run (not killed; a renewal, so that it writes) succeeds
	# and cleans up.
	run --separate-stderr eksl-authcheck prepare --dir "$D/c" \
	    --renew-days 10000 <"$D/rec"
	echo "$stderr"
	assert_success
	pair_ok "$D/c"
	[ -e "$D/c/standin.key" ] && [ -e "$D/c/standin.crt" ]
	run leftovers "$D/c"
	assert_output ''
}

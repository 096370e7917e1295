#!/usr/bin/env bats
# eksl-hosts: managed blocks in a hosts file.  Every test works on files in
# its own temp dir; the real resolver is tested with a temp file bind-mounted
# over /etc/hosts inside a private mount namespace (unshare -m), over an
# overlay of /etc, so nothing of the machine's /etc is touched.

load lib/common

FIX="$EKSL_TOP/tests/fixtures/hosts"
REC='{"schema":"eksl.cluster.v1","name":"prod","endpoint":"https://API.Example.com/","addresses":[{"ip":"127.0.0.12","source":"dns"},{"ip":"127.0.0.11","source":"cache"},{"ip":"0:0::1","source":"dns"}]}'

setup() {
	T=$BATS_TEST_TMPDIR
	H=$T/hosts
	cp "$FIX/debian.hosts" "$H"
}

# inode and modification time (to the nanosecond) of a file
stamp() {
	stat -c '%i %y' "$1"
}

no_temps() {
	! ls -a "${1:-$T}" | grep -q 'eksl-tmp'
}

@test "--help prints the usage on stdout" {
	run --separate-stderr eksl-hosts --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: eksl-hosts pin|unpin|check|list [--file PATH] [--dry-run] [--host NAME --ip IP...]"* ]]
	[ -z "$stderr" ]
}

@test "--version names the program" {
	run --separate-stderr eksl-hosts --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^eksl-hosts\ \(eksl\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "usage errors exit 2 with the reason and the usage" {
	local args reasons k
	args=("" "frob" "pin extra" "pin --ip 1.1.1.1" "pin --host a.example"
	    "check --host a.example" "list --host a.example --ip 1.1.1.1"
	    "check --dry-run --host a.example --ip 1.1.1.1"
	    "pin --lock-timeout x --host a.example --ip 1.1.1.1" "pin --file=")
	reasons=("no command (pin, unpin, check or list)" "frob: unknown command"
	    "too many arguments" "--ip needs --host"
	    "--host needs at least one --ip" "--host needs at least one --ip"
	    "list takes no --ip" "--dry-run applies to pin and unpin"
	    "lock timeout: not a number of milliseconds" "--file: empty path")
	for k in "${!args[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr eksl-hosts ${args[$k]}
		[ "$status" -eq 2 ] || { echo "args: ${args[$k]}"; false; }
		[ "${lines[0]:-}" = "" ]
		[[ "$stderr" == "eksl-hosts: ${reasons[$k]}"$'\n'usage:* ]] ||
		    { echo "args: ${args[$k]} stderr: $stderr"; false; }
	done
	run --separate-stderr eksl-hosts --bogus pin
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unrecognized option '--bogus'"*usage:* ]]
}

@test "golden files: pin gives the expected bytes, a second pin writes nothing, unpin restores every byte" {
	local f before
	for f in debian crlf-nofinal lf-nofinal empty; do
		cp "$FIX/$f.hosts" "$H"
		run_stdin "$REC" eksl-hosts pin --file "$H"
		[ "$status" -eq 0 ]
		cmp "$H" "$FIX/$f.pinned"
		[[ "$output" == *'"hosts":{"file":"'"$H"'","changed":true}}' ]]
		before=$(stamp "$H")
		sleep 0.01
		run_stdin "$REC" eksl-hosts pin --file "$H"
		[ "$status" -eq 0 ]
		[[ "$output" == *'"changed":false}}' ]]
		[ "$(stamp "$H")" = "$before" ]
		run_stdin "$REC" eksl-hosts unpin --file "$H"
		[ "$status" -eq 0 ]
		[[ "$output" == *'"changed":true}}' ]]
		cmp "$H" "$FIX/$f.hosts"
		no_temps
	done
}

@test "pin passes unknown fields through and adds hosts {file, changed}" {
	run_stdin '{"schema":"eksl.cluster.v1","zeta":[1,{"b":2}],"host":"a.example","addresses":[{"ip":"10.0.0.1","ttl":60}],"alpha":"x"}' \
	    eksl-hosts pin --file "$H"
	[ "$status" -eq 0 ]
	[ "$output" = '{"schema":"eksl.cluster.v1","zeta":[1,{"b":2}],"host":"a.example","addresses":[{"ip":"10.0.0.1","ttl":60}],"alpha":"x","hosts":{"file":"'"$H"'","changed":true}}' ]
}

@test "an existing block is replaced where it stands; lines after it stay" {
	eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1 >/dev/null
	echo "10.5.5.5 after.example" >>"$H"
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.2 --ip 10.0.0.3
	[ "$status" -eq 0 ]
	diff -u <(cat "$FIX/debian.hosts"; printf '# BEGIN eksl host=a.example\n10.0.0.2\ta.example\n10.0.0.3\ta.example\n# END eksl host=a.example\n10.5.5.5 after.example\n') "$H"
}

@test "several records: one block each; the order of addresses does not matter" {
	run_stdin $'{"host":"a.example","addresses":[{"ip":"10.0.0.2"},{"ip":"10.0.0.1"}]}\n\n{"endpoint":"https://B.example:443/x","name":"c2","addresses":[{"ip":"fd00::1"}]}' \
	    eksl-hosts pin --file "$H"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	local before
	before=$(stamp "$H")
	run_stdin $'{"host":"a.example","addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]}\n{"endpoint":"https://B.example:443/x","name":"c2","addresses":[{"ip":"fd00:0::1"}]}' \
	    eksl-hosts pin --file "$H"
	[ "$status" -eq 0 ]
	[ "$(stamp "$H")" = "$before" ]
	grep -qx '# BEGIN eksl host=b.example cluster=c2' "$H"
	grep -qx $'fd00::1\tb.example' "$H"
}

@test "a record with no addresses leaves the existing pin, warns and exits 1" {
	eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1 >/dev/null
	cp "$H" "$T/before"
	run_stdin '{"host":"a.example","addresses":[]}' eksl-hosts pin --file "$H"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"errors":[{"tool":"eksl-hosts","code":"input","message":"a.example: no addresses; the existing pin is left as it is"}]'* ]]
	run --separate-stderr bash -c 'eksl-hosts pin --file "$0" <<<"{\"host\":\"a.example\"}"' "$H"
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-hosts: a.example: no addresses; the existing pin is left as it is" ]
	cmp "$H" "$T/before"
	# -q silences the warning, not the status
	run --separate-stderr bash -c 'eksl-hosts -q pin --file "$0" <<<"{\"host\":\"a.example\"}"' "$H"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
}

@test "stale addresses from a cache are pinned like any others" {
	run_stdin '{"host":"a.example","resolve":{"stale":true},"addresses":[{"ip":"10.0.0.7","source":"cache"}]}' eksl-hosts pin --file "$H"
	[ "$status" -eq 0 ]
	grep -qx $'10.0.0.7\ta.example' "$H"
}

@test "injection attempts and bad addresses are refused: exit 3, nothing written" {
	local recs msgs k
	recs=('{"host":"evil.example\n10.6.6.6 bank.example","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a.example #x","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a\tb.example","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a\u0000b","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a.example","name":"c1\n10.6.6.6 bank.example","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a.example","name":"c1 host=b.example","addresses":[{"ip":"10.0.0.1"}]}'
	    '{"host":"a.example","addresses":[{"ip":"10.0.0.1\n10.6.6.6 bank.example"}]}'
	    '{"host":"a.example","addresses":[{"ip":"10.0.0.1 bank.example"}]}'
	    '{"host":"a.example","addresses":[{"ip":"10.1"}]}'
	    '{"host":"a.example","addresses":[{"ip":"fe80::1%lo"}]}'
	    '{"host":"a.example","addresses":[{"addr":"10.0.0.1"}]}'
	    '{"host":"-a.example","addresses":[{"ip":"10.0.0.1"}]}'
	    "{\"host\":\"$(printf 'a%.0s' {1..64}).example\",\"addresses\":[{\"ip\":\"10.0.0.1\"}]}"
	    '{"name":"no-host","addresses":[{"ip":"10.0.0.1"}]}')
	msgs=('evil.example\n10.6.6.6 bank.example: not a valid host name'
	    "a.example #x: not a valid host name"
	    'a\tb.example: not a valid host name'
	    "stdin:1:"
	    "a.example: cluster name is not a safe token for a marker"
	    "a.example: cluster name is not a safe token for a marker"
	    'a.example: 10.0.0.1\n10.6.6.6 bank.example: not an IP address'
	    "a.example: 10.0.0.1 bank.example: not an IP address"
	    "a.example: 10.1: not an IP address"
	    "a.example: fe80::1%lo: not an IP address"
	    "a.example: addresses[].ip: not an IP address"
	    "-a.example: not a valid host name"
	    "$(printf 'a%.0s' {1..64}).example: not a valid host name"
	    "record has neither host nor endpoint")
	cp "$H" "$T/before"
	for k in "${!recs[@]}"; do
		run --separate-stderr bash -c 'eksl-hosts pin --file "$1" <<<"$0"' "${recs[$k]}" "$H"
		[ "$status" -eq 3 ] || { echo "case $k: status $status"; false; }
		[[ "$stderr" == "eksl-hosts: ${msgs[$k]}"* ]] &&
		    [[ "$stderr" != *$'\n'* ]] ||
		    { echo "case $k: $stderr"; false; }
		cmp "$H" "$T/before"
	done
	no_temps
	# the same through the flags
	run --separate-stderr eksl-hosts pin --file "$H" --host $'x.example\n1.2.3.4 y\x01' --ip 10.0.0.1
	[ "$status" -eq 3 ]
	[ "$stderr" = 'eksl-hosts: x.example\n1.2.3.4 y\x01: not a valid host name' ]
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 300.1.1.1
	[ "$status" -eq 3 ]
	[ "$stderr" = "eksl-hosts: a.example: 300.1.1.1: not an IP address" ]
	cmp "$H" "$T/before"
}

@test "a bad record is written with its error, the others are still pinned" {
	run --separate-stderr bash -c 'eksl-hosts pin --file "$1" <<<"$0"' \
	    $'{"host":"a.example","addresses":[{"ip":"10.0.0.1"}]}\nnot json\n{"host":"b..example","addresses":[{"ip":"10.0.0.2"}]}\n[1]\n{"host":"c.example","addresses":[{"ip":"10.0.0.3"}]}' "$H"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == *'"changed":true}}' ]]
	[[ "${lines[1]}" == *'"errors":[{"tool":"eksl-hosts","code":"input","message":"b..example: not a valid host name"}],"hosts":{"file":"'"$H"'","changed":false}}' ]]
	[[ "${lines[2]}" == *'"changed":true}}' ]]
	[[ "${stderr_lines[0]}" == 'eksl-hosts: stdin:2:'* ]]
	[ "${stderr_lines[1]}" = 'eksl-hosts: stdin:4:1: a record must be a JSON object' ]
	[ "${stderr_lines[2]}" = 'eksl-hosts: b..example: not a valid host name' ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	grep -qx $'10.0.0.1\ta.example' "$H"
	grep -qx $'10.0.0.3\tc.example' "$H"
	! grep -q 'b..example' "$H"
}

@test "damaged markers: exit 3 with the line numbers, nothing written" {
	local cases msgs k
	cases=($'1.1.1.1 x\n# BEGIN eksl host=a.example\n10.0.0.1\ta.example\n'
	    $'# BEGIN eksl host=a.example\n# END eksl host=a.example\n# BEGIN eksl host=a.example\n# END eksl host=a.example\n'
	    $'1.1.1.1 x\n\n# END eksl host=a.example\n'
	    $'# BEGIN eksl host=a.example\n# BEGIN eksl host=b.example\n# END eksl host=b.example\n'
	    $'# BEGIN eksl host=a.example\n# END eksl host=b.example\n')
	msgs=("$H:2: BEGIN eksl host=a.example has no END"
	    "$H:3: a second block for host a.example (the first is at line 1)"
	    "$H:3: END eksl without BEGIN"
	    "$H:2: BEGIN eksl inside the block opened at line 1"
	    "$H:2: END eksl does not match BEGIN eksl host=a.example at line 1")
	for k in "${!cases[@]}"; do
		printf '%s' "${cases[$k]}" >"$H"
		cp "$H" "$T/before"
		for cmd in "pin --host a.example --ip 10.0.0.9" "unpin --host a.example" "check --host a.example --ip 10.0.0.1" "list"; do
			# shellcheck disable=SC2086
			run --separate-stderr eksl-hosts $cmd --file "$H"
			[ "$status" -eq 3 ] || { echo "case $k $cmd: $status"; false; }
			[ "$stderr" = "eksl-hosts: ${msgs[$k]}" ] ||
			    { echo "case $k $cmd: $stderr"; false; }
			cmp "$H" "$T/before"
		done
	done
	[[ "$output" == "" ]]
}

@test "unpin of a host that is not pinned changes nothing" {
	local before
	before=$(stamp "$H")
	run --separate-stderr eksl-hosts unpin --file "$H" --host nothere.example
	[ "$status" -eq 0 ]
	[[ "$output" == *'"changed":false}}' ]]
	[ "$(stamp "$H")" = "$before" ]
	cmp "$H" "$FIX/debian.hosts"
}

@test "unpin with blocks in any order gives back the exact bytes (no final newline)" {
	cp "$FIX/crlf-nofinal.hosts" "$H"
	eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1 >/dev/null
	eksl-hosts pin --file "$H" --host b.example --ip 10.0.0.2 >/dev/null
	eksl-hosts pin --file "$H" --host c.example --ip 10.0.0.3 >/dev/null
	eksl-hosts unpin --file "$H" --host a.example >/dev/null
	eksl-hosts unpin --file "$H" --host c.example >/dev/null
	run eksl-hosts unpin --file "$H" --host b.example
	[ "$status" -eq 0 ]
	cmp "$H" "$FIX/crlf-nofinal.hosts"
}

@test "check: exit 0 when exact, 1 with each difference on stderr, writes nothing" {
	eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1 --ip ::1 >/dev/null
	local before
	before=$(stamp "$H")
	run --separate-stderr eksl-hosts check --file "$H" --host A.example. --ip 0::1 --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *'"hosts":{"file":"'"$H"'","changed":false}}' ]]
	run --separate-stderr eksl-hosts check --file "$H" --host a.example --ip 10.0.0.2 --ip ::1
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-hosts: $H:8: a.example: 10.0.0.2 is not pinned
eksl-hosts: $H:8: a.example: pinned 10.0.0.1 is not in the record" ]
	[[ "$output" == *'"errors":[{"tool":"eksl-hosts","code":"hosts","message":"a.example: not pinned to exactly the record'"'"'s addresses"}]'* ]]
	run --separate-stderr eksl-hosts check --file "$H" --host b.example --ip 10.0.0.1
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-hosts: $H: b.example: not pinned (no eksl block)" ]
	sed -i '1a 10.9.9.9 other A.EXAMPLE  # by hand' "$H"
	before=$(stamp "$H")
	run --separate-stderr eksl-hosts check --file "$H" --host a.example --ip 10.0.0.1 --ip ::1
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-hosts: $H:2: a.example: an unmanaged line names this host" ]
	[ "$(stamp "$H")" = "$before" ]
	# pin warns about it (glibc answers from the first line that matches)
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-hosts: $H:2: a.example: an unmanaged line names this host too" ]
	# a missing file is "not pinned", not an error
	run --separate-stderr eksl-hosts check --file "$T/none" --host a.example --ip 10.0.0.1
	[ "$status" -eq 1 ]
	[ "$stderr" = "eksl-hosts: $T/none: a.example: not pinned (no eksl block)" ]
	[ ! -e "$T/none" ]
}

@test "list prints one record per managed block" {
	run_stdin "$REC" eksl-hosts pin --file "$H"
	eksl-hosts pin --file "$H" --host b.example --ip 10.0.0.2 >/dev/null
	run --separate-stderr eksl-hosts list --file "$H"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"schema":"eksl.cluster.v1","host":"api.example.com","name":"prod","addresses":[{"ip":"127.0.0.11","source":"static"},{"ip":"127.0.0.12","source":"static"},{"ip":"::1","source":"static"}],"hosts":{"file":"'"$H"'"}}' ]
	[ "${lines[1]}" = '{"schema":"eksl.cluster.v1","host":"b.example","addresses":[{"ip":"10.0.0.2","source":"static"}],"hosts":{"file":"'"$H"'"}}' ]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr eksl-hosts list --file "$H" --host B.example
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'"host":"b.example"'* ]]
	# list reads no stdin: it must not block on an open pipe
	run timeout 5 bash -c 'eksl-hosts list --file "$0" >/dev/null < <(exec sleep 10 2>/dev/null 3>&-)' "$H"
	[ "$status" -eq 0 ]
	# list of the output of list pins nothing new
	eksl-hosts list --file "$H" | eksl-hosts check --file "$H" >/dev/null
}

@test "--host/--ip does not read stdin" {
	run timeout 5 bash -c 'eksl-hosts pin --file "$0" --host a.example --ip 10.0.0.1 < <(exec sleep 10 2>/dev/null 3>&-)' "$H"
	[ "$status" -eq 0 ]
	[[ "$output" == '{"schema":"eksl.cluster.v1","host":"a.example","addresses":[{"ip":"10.0.0.1","source":"static"}],"hosts":{"file":"'"$H"'","changed":true}}' ]]
}

@test "--dry-run prints a unified diff that patch applies, and writes nothing" {
	local before
	before=$(stamp "$H")
	run --separate-stderr bash -c 'eksl-hosts pin --dry-run --file "$1" <<<"$0"' "$REC" "$H"
	[ "$status" -eq 0 ]
	[ "$output" = "--- $H
+++ $H
@@ -5,3 +5,8 @@
 ::1     localhost ip6-localhost ip6-loopback
 ff02::1 ip6-allnodes
 ff02::2 ip6-allrouters
+# BEGIN eksl host=api.example.com cluster=prod
+127.0.0.11	api.example.com
+127.0.0.12	api.example.com
+::1	api.example.com
+# END eksl host=api.example.com" ]
	[ "$(stamp "$H")" = "$before" ]
	no_temps
	[ ! -e "$T/.hosts.eksl.lock" ]
	local f
	for f in debian crlf-nofinal lf-nofinal empty; do
		cp "$FIX/$f.hosts" "$T/p"
		bash -c 'eksl-hosts pin -n --file "$1" <<<"$0"' "$REC" "$T/p" >"$T/diff"
		patch -s "$T/p" "$T/diff"
		cmp "$T/p" "$FIX/$f.pinned"
		# and back
		eksl-hosts unpin --dry-run --file "$T/p" --host api.example.com >"$T/diff"
		patch -s "$T/p" "$T/diff"
		cmp "$T/p" "$FIX/$f.hosts"
	done
	# nothing to change: no diff at all
	run --separate-stderr eksl-hosts unpin --dry-run --file "$H" --host none.example
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a missing file is created 0644 by pin" {
	run --separate-stderr eksl-hosts pin --file "$T/new" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/new")" = 644 ]
	[ "$(cat "$T/new")" = $'# BEGIN eksl host=a.example\n10.0.0.1\ta.example\n# END eksl host=a.example' ]
}

@test "mode, owner, ACLs and extended attributes are kept" {
	chmod 640 "$H"
	chown 1234:5678 "$H"
	setfattr -n user.eksl -v keep "$H"
	setfacl -m u:4321:r "$H"
	local acl
	acl=$(getfacl -cp "$H")
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	grep -q a.example "$H"
	[ "$(stat -c '%a %u %g' "$H")" = "640 1234 5678" ]
	[ "$(getfattr --only-values -n user.eksl "$H")" = keep ]
	[ "$(getfacl -cp "$H")" = "$acl" ]
}

@test "a symlinked hosts file is updated through the link" {
	mv "$H" "$T/real"
	ln -s real "$H"
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ -L "$H" ]
	[ "$(readlink "$H")" = real ]
	grep -qx $'10.0.0.1\ta.example' "$T/real"
	no_temps
}

@test "a file that cannot be read: exit 6" {
	mkdir "$T/dir"
	run --separate-stderr eksl-hosts pin --file "$T/dir" --host a.example --ip 10.0.0.1
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-hosts: $T/dir: Is a directory" ]
	[[ "$output" == *'"code":"io"'* ]]
}

@test "lock: a held lock makes pin wait, then exit 6 (--lock-timeout and EKSL_LOCK_TIMEOUT_MS)" {
	cp "$H" "$T/before"
	flock -o "$T/.hosts.eksl.lock" sleep 5 >/dev/null 2>&1 3>&- &
	local holder=$!
	sleep 0.3
	run --separate-stderr eksl-hosts pin --lock-timeout 200 --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-hosts: $H: cannot lock: timed out after 200ms" ]
	[[ "$output" == *'"errors":[{"tool":"eksl-hosts","code":"io","message":"'"$H"': cannot lock: timed out after 200ms"}],"hosts":{"file":"'"$H"'","changed":false}}' ]]
	EKSL_LOCK_TIMEOUT_MS=1000 run --separate-stderr eksl-hosts unpin --file "$H" --host a.example
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-hosts: $H: cannot lock: timed out after 1s" ]
	cmp "$H" "$T/before"
	# check and --dry-run read without the lock
	run --separate-stderr eksl-hosts pin -n --lock-timeout 200 --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	kill "$holder"
	wait "$holder" || true
	# the lock file stays, beside the target; the next run takes it
	run --separate-stderr eksl-hosts pin --lock-timeout 2000 --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ -f "$T/.hosts.eksl.lock" ]
}

@test "a failing rename (EKSL_FAULT) leaves the file untouched: exit 6, no temp file" {
	cp "$H" "$T/before"
	local before
	before=$(stamp "$H")
	EKSL_FAULT=rename:1:EIO run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 6 ]
	[ "$stderr" = "eksl-hosts: $H: cannot replace: Input/output error" ]
	[[ "$output" == *'"code":"io","message":"'"$H"': cannot replace: Input/output error"}],"hosts":{"file":"'"$H"'","changed":false}}' ]]
	cmp "$H" "$T/before"
	[ "$(stamp "$H")" = "$before" ]
	no_temps
	# every other step that writes, failed in turn
	local op
	for op in open write fsync close; do
		EKSL_FAULT=$op:1:EIO run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
		[ "$status" -eq 6 ] || { echo "$op: $status"; false; }
		[[ "$stderr" == "eksl-hosts: $H: cannot "*": Input/output error" ]]
		cmp "$H" "$T/before"
		no_temps
	done
}

@test "a run that changes nothing still removes a killed run's temp file" {
	eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1 >/dev/null
	echo partial >"$T/.hosts.eksl-tmp.999999999.1f"
	local before
	before=$(stamp "$H")
	run --separate-stderr eksl-hosts pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ "$(stamp "$H")" = "$before" ]
	no_temps
	echo partial >"$T/.hosts.eksl-tmp.999999999.2f"
	run --separate-stderr eksl-hosts unpin --file "$H" --host b.example
	[ "$status" -eq 0 ]
	no_temps
}

@test "-v tells what was done on stderr" {
	run --separate-stderr eksl-hosts -v pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$status" -eq 0 ]
	[ "$stderr" = "eksl-hosts: a.example: pinned
eksl-hosts: $H: written" ]
	run --separate-stderr eksl-hosts -v pin --file "$H" --host a.example --ip 10.0.0.1
	[ "$stderr" = "eksl-hosts: a.example: already pinned" ]
}

@test "ENOSPC on a tiny tmpfs: exit 6, the file untouched, no temp file" {
	mkdir "$T/mnt"
	# a 40 KiB hosts file on a 64 KiB tmpfs: the new copy cannot fit
	unshare -m sh -c '
		mount -t tmpfs -o size=64k tmpfs "$1/mnt" || exit 99
		{ cat "$2"; i=0; while :; do
			echo "10.0.$((i / 250)).$((i % 250)) host$i.lan"; i=$((i + 1))
			[ $i -lt 2000 ] || break; done
		} | head -c 40960 >"$1/mnt/hosts"
		cp "$1/mnt/hosts" "$1/before"
		eksl-hosts pin --file "$1/mnt/hosts" --host a.example --ip 10.0.0.1 \
		    >"$1/out" 2>"$1/err"
		echo $? >"$1/rc"
		cmp "$1/mnt/hosts" "$1/before" && echo same >"$1/cmp"
		ls -a "$1/mnt" >"$1/ls"
	' sh "$T" "$H"
	[ "$(cat "$T/rc")" = 6 ]
	[ "$(cat "$T/err")" = "eksl-hosts: $T/mnt/hosts: cannot write: No space left on device" ]
	[ "$(cat "$T/cmp")" = same ]
	! grep -q eksl-tmp "$T/ls"
	grep -q '"code":"io"' "$T/out"
}

@test "bind-mounted file (EBUSY): rewritten in place under the lock, same inode" {
	cp "$H" "$T/real"
	: >"$T/target"
	local ino
	ino=$(stat -c %i "$T/real")
	unshare -m sh -c '
		mount --bind "$1/real" "$1/target" || exit 99
		eksl-hosts pin --file "$1/target" --host a.example --ip 10.0.0.1 \
		    >"$1/out" 2>"$1/err"
		echo $? >"$1/rc"
		ls -a "$1" >"$1/ls"
	' sh "$T"
	[ "$(cat "$T/rc")" = 0 ]
	[ ! -s "$T/err" ]
	[ "$(stat -c %i "$T/real")" = "$ino" ]
	diff -u <(cat "$FIX/debian.hosts"; printf '# BEGIN eksl host=a.example\n10.0.0.1\ta.example\n# END eksl host=a.example\n') "$T/real"
	! grep -q eksl-tmp "$T/ls"
	[ ! -s "$T/target" ]
}

@test "the real resolver: getent ahosts answers from the pinned block in /etc/hosts (bind mount over an overlay of /etc)" {
	mkdir "$T/upper" "$T/work"
	cp "$FIX/debian.hosts" "$T/etchosts"
	unshare -m sh -c '
		set -e
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
		mount --bind "$1/etchosts" /etc/hosts
		getent ahosts api.pinned.example >"$1/before" || true
		echo "{\"host\":\"api.pinned.example\",\"addresses\":[{\"ip\":\"127.0.0.11\"},{\"ip\":\"127.0.0.12\"}]}" |
		    eksl-hosts pin >"$1/out"
		getent ahostsv4 api.pinned.example | awk "{print \$1}" | sort -u >"$1/after"
		eksl-hosts check --host api.pinned.example --ip 127.0.0.11 --ip 127.0.0.12 >/dev/null
		eksl-hosts unpin --host api.pinned.example >/dev/null
		getent ahosts api.pinned.example >"$1/unpinned" || echo gone >"$1/unpinned"
	' sh "$T"
	[ ! -s "$T/before" ]
	[ "$(cat "$T/after")" = $'127.0.0.11\n127.0.0.12' ]
	grep -q '"hosts":{"file":"/etc/hosts","changed":true}' "$T/out"
	[ "$(cat "$T/unpinned")" = gone ]
	# the bind-mounted file was rewritten in place, back to its bytes
	cmp "$T/etchosts" "$FIX/debian.hosts"
	# the lock file and temp files went to the overlay, not to /etc
	[ -f "$T/upper/.hosts.eksl.lock" ]
	! ls -a "$T/upper" | grep -q eksl-tmp
}

@test "50 concurrent pinners of distinct hosts x 20 rounds keep every block and every original line" {
	mkdir "$T/mnt"
	unshare -m sh -c '
		mount -t tmpfs tmpfs "$1/mnt" || exit 99
		cp "$2" "$1/mnt/hosts"
		# correctness, not latency: a slow (sanitizer) build may wait long
		export EKSL_LOCK_TIMEOUT_MS=600000
		i=1
		while [ $i -le 50 ]; do
			( r=1; while [ $r -le 20 ]; do
				eksl-hosts pin -q --file "$1/mnt/hosts" --host "h$i.example" \
				    --ip "10.$r.0.$i" >/dev/null || echo "h$i round $r: $?" >>"$1/fail"
				r=$((r + 1))
			done ) &
			i=$((i + 1))
		done
		wait
		cp "$1/mnt/hosts" "$1/final"
		ls -a "$1/mnt" >"$1/ls"
	' sh "$T" "$FIX/debian.hosts"
	[ ! -e "$T/fail" ]
	head -c "$(stat -c %s "$FIX/debian.hosts")" "$T/final" | cmp - "$FIX/debian.hosts"
	run eksl-hosts list --file "$T/final"
	[ "${#lines[@]}" -eq 50 ]
	local i recs=
	for i in $(seq 50); do
		recs+="{\"host\":\"h$i.example\",\"addresses\":[{\"ip\":\"10.20.0.$i\"}]}"$'\n'
	done
	run_stdin "$recs" eksl-hosts check --file "$T/final"
	[ "$status" -eq 0 ]
	[ "$(grep -c . "$T/final")" -eq $((6 + 50 * 3)) ]
	! grep -q eksl-tmp "$T/ls"
}

@test "500 runs killed with SIGKILL at random moments: the file is old or new, never torn; the next run leaves no temp file" {
	mkdir "$T/mnt"
	unshare -m sh -c '
		mount -t tmpfs tmpfs "$1/mnt" || exit 99
		h=$1/mnt/hosts
		cp "$2" "$h"
		eksl-hosts pin --file "$h" --host sweep.example --ip 10.0.0.1 >/dev/null
		cp "$h" "$1/A"
		eksl-hosts pin --file "$h" --host sweep.example --ip 10.0.0.2 >/dev/null
		cp "$h" "$1/B"
		"$EKSL_BUILD/tools/killsweep" 500 0 "$h" "$1/A" "$1/B" \
		    "$(command -v eksl-hosts)" sweep.example 10.0.0.1 10.0.0.2 >"$1/sweep"
		echo $? >"$1/rc"
		eksl-hosts pin --file "$h" --host sweep.example --ip 10.0.0.1 >/dev/null
		ls -a "$1/mnt" >"$1/ls"
	' sh "$T" "$FIX/debian.hosts"
	cat "$T/sweep"
	[ "$(cat "$T/rc")" = 0 ]
	[[ "$(cat "$T/sweep")" =~ ^runs\ 500\ killed\ ([0-9]+)\ completed\ [0-9]+\ changed\ ([0-9]+)\ torn\ 0 ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	[ "${BASH_REMATCH[2]}" -gt 0 ]
	! grep -q eksl-tmp "$T/ls"
}

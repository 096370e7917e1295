#!/usr/bin/env bats
# The dispatcher: "eksl NAME ..." runs "eksl-NAME ...".

load lib/common

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$EKSL_BIN/eksl" "$BATS_TEST_TMPDIR/bin/eksl"
	cat >"$BATS_TEST_TMPDIR/bin/eksl-echo" <<'SH'
#!/bin/sh
echo "argv0=$(basename "$0") args=$*"
exit 7
SH
	chmod +x "$BATS_TEST_TMPDIR/bin/eksl-echo"
}

@test "eksl NAME runs eksl-NAME beside it with the arguments and passes its status up" {
	run --separate-stderr "$BATS_TEST_TMPDIR/bin/eksl" echo a "b c"
	[ "$status" -eq 7 ]
	[ "$output" = "argv0=eksl-echo args=a b c" ]
}

@test "eksl with no command is a usage error" {
	run --separate-stderr eksl
	[ "$status" -eq 2 ]
	[[ "$stderr" == usage:* ]]
}

@test "eksl --help prints usage on stdout" {
	run --separate-stderr eksl --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}

@test "eksl --version names the program and version" {
	run --separate-stderr eksl --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^eksl\ \(eksl\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "eksl refuses an unknown command with exit 2" {
	run --separate-stderr "$BATS_TEST_TMPDIR/bin/eksl" no-such-thing
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl: no-such-thing: not a command" ]
}

@test "eksl refuses a command name holding a slash" {
	run --separate-stderr eksl ../echo
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "eksl: ../echo: not a command" ]
}

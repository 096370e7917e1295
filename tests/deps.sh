#!/bin/sh
# Install the Debian packages that building and testing eksl need, and only
# those that are missing.  Idempotent; quiet when nothing is missing.
set -eu

PKGS="gcc make pkg-config libc-ares-dev libcurl4-openssl-dev libssl-dev
libjansson-dev libldns-dev libyaml-dev
bats bats-support bats-assert mandoc openssl iproute2 util-linux
dnsutils bind9-utils ldnsutils knot-dnssecutils unbound nsd knot dnsmasq-base
hyperfine clang ansible-core parallel attr acl patch jq curl gdb
valgrind tinyproxy"

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "eksl: missing Debian packages:$missing" >&2
		echo "eksl: run as root, or: apt-get install$missing" >&2
		exit 1
	fi
	echo "eksl: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# Daemons in these packages must not start: tests run their own.
	apt-get install -y -qq --no-install-recommends $missing >&2
fi

# moto (the AWS stand-in) and botocore come with the machine image's Python.
if ! python3 -c 'import moto, botocore, werkzeug' 2>/dev/null; then
	echo "eksl: python3 with moto and botocore is required for the tests" >&2
	exit 1
fi

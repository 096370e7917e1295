#!/usr/bin/env bats
# contrib/: the refresh script, its systemd units and cron entry, shell
# completion, the Ansible role, and make install.

load lib/common

# A saved record for a cluster whose Region is unreachable (nothing
# listens on the endpoint in the sealed namespace).
record() {
	cat <<'EOF2'
{"schema":"eksl.cluster.v1","name":"my-cluster","region":"us-west-2","endpoint":"https://abc.gr7.us-west-2.eks.amazonaws.com","controlPlane":[{"instanceId":"i-1","name":"my-cluster-control-plane-1","privateIp":"127.0.0.11","state":"running"}],"addresses":[{"ip":"127.0.0.11","source":"ec2"}]}
EOF2
}

conf() {	# conf DIR: a refresh configuration into DIR/refresh.conf
	mkdir -p "$1/state"
	printf '127.0.0.1\tlocalhost\n' >"$1/hosts"
	cat >"$1/refresh.conf" <<EOF2
CLUSTERS="my-cluster"
STATE_DIR="$1/state"
DESCRIBE_TIMEOUT=5
HOSTS_FILE="$1/hosts"
CHECK=0
AWS_ARGS="--region us-west-2 --endpoint-url http://127.0.0.1:9"
EOF2
}

setup() {
	export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret-canary
	D=$BATS_TEST_TMPDIR
}

@test "eksl-refresh: Region down: works from the saved record, pins it, exits 1, keeps the record" {
	conf "$D"
	record >"$D/state/my-cluster.json"
	cp "$D/state/my-cluster.json" "$D/saved"
	EKSL_REFRESH_CONF=$D/refresh.conf run --separate-stderr sh contrib/cron/eksl-refresh
	[ "$status" -eq 1 ]
	cmp "$D/saved" "$D/state/my-cluster.json"
	grep -q "^127.0.0.11	abc.gr7.us-west-2.eks.amazonaws.com" "$D/hosts"
	[ ! -e "$D/state/my-cluster.json.new" ]
}

@test "eksl-refresh: a second run during the outage changes no byte of the hosts file" {
	conf "$D"
	record >"$D/state/my-cluster.json"
	EKSL_REFRESH_CONF=$D/refresh.conf sh contrib/cron/eksl-refresh 2>/dev/null || true
	before=$(stat -c '%i %Y' "$D/hosts"; sha256sum <"$D/hosts")
	sleep 1
	EKSL_REFRESH_CONF=$D/refresh.conf run --separate-stderr sh contrib/cron/eksl-refresh
	[ "$status" -eq 1 ]
	[ "$(stat -c '%i %Y' "$D/hosts"; sha256sum <"$D/hosts")" = "$before" ]
}

@test "eksl-refresh: no saved record and no Region: exit 3" {
	conf "$D"
	EKSL_REFRESH_CONF=$D/refresh.conf run --separate-stderr sh contrib/cron/eksl-refresh
	[ "$status" -eq 3 ]
}

@test "eksl-refresh: runs never overlap: a second one leaves at once with 0" {
	conf "$D"
	record >"$D/state/my-cluster.json"
	exec 8>>"$D/state/.refresh.lock"
	flock 8
	EKSL_REFRESH_CONF=$D/refresh.conf run --separate-stderr sh contrib/cron/eksl-refresh
	exec 8>&-
	[ "$status" -eq 0 ]
	grep -q localhost "$D/hosts"
	! grep -q abc.gr7 "$D/hosts"
}

@test "eksl-refresh: an empty CLUSTERS is a usage error; an unreadable named config is exit 6" {
	printf 'CLUSTERS=\n' >"$D/empty.conf"
	EKSL_REFRESH_CONF=$D/empty.conf run --separate-stderr sh contrib/cron/eksl-refresh
	[ "$status" -eq 2 ]
	EKSL_REFRESH_CONF=$D/missing.conf run --separate-stderr sh contrib/cron/eksl-refresh
	[ "$status" -eq 6 ]
}

@test "systemd units: the service runs eksl-refresh, the timer every 5 minutes" {
	grep -qx 'ExecStart=/usr/local/bin/eksl-refresh' contrib/systemd/eksl-refresh.service
	grep -qx 'Type=oneshot' contrib/systemd/eksl-refresh.service
	grep -qx 'OnUnitActiveSec=5min' contrib/systemd/eksl-refresh.timer
	grep -qx 'WantedBy=timers.target' contrib/systemd/eksl-refresh.timer
	if command -v systemd-analyze >/dev/null 2>&1; then
		sed "s|/usr/local/bin/eksl-refresh|$EKSL_TOP/contrib/cron/eksl-refresh|" \
		    contrib/systemd/eksl-refresh.service >"$D/eksl-refresh.service"
		cp contrib/systemd/eksl-refresh.timer "$D/"
		run systemd-analyze verify --man=no "$D/eksl-refresh.service" "$D/eksl-refresh.timer"
		[ "$status" -eq 0 ]
	fi
}

@test "bash completion: subcommands and options of each program" {
	run bash -c '. contrib/completion/eksl.bash
		COMP_WORDS=(eksl-hosts ""); COMP_CWORD=1; _eksl_complete; echo "${COMPREPLY[*]}"
		COMP_WORDS=(eksl-hosts pin --d); COMP_CWORD=2; _eksl_complete; echo "${COMPREPLY[*]}"
		COMP_WORDS=(eksl zone --format ""); COMP_CWORD=3; _eksl_complete; echo "${COMPREPLY[*]}"
		COMP_WORDS=(eksl-authcheck check --w); COMP_CWORD=2; _eksl_complete; echo "${COMPREPLY[*]}"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pin unpin check list --help --version" ]
	[ "${lines[1]}" = "--dry-run" ]
	[ "${lines[2]}" = "zone unbound dnsmasq hosts rpz" ]
	[ "${lines[3]}" = "--warn-days" ]
}

@test "bash completion: every option of every usage is offered" {
	for p in "$EKSL_BIN"/eksl-*; do
		prog=${p##*/}
		for opt in $("$p" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			grep -q -- "$opt" contrib/completion/eksl.bash ||
			    fail "$prog $opt missing from the bash completion"
			grep -q -- "$opt" contrib/completion/_eksl ||
			    fail "$prog $opt missing from the zsh completion"
		done
	done
}

@test "zsh completion parses" {
	if ! command -v zsh >/dev/null 2>&1; then
		skip "zsh is not installed"
	fi
	run zsh -n contrib/completion/_eksl
	[ "$status" -eq 0 ]
}

@test "make install DESTDIR=... PREFIX=/usr installs programs, pages, completion, contrib; uninstall removes them" {
	run make -s -C "$EKSL_TOP" OUT="$EKSL_BIN" BUILD="$EKSL_BUILD" \
	    DESTDIR="$D/dest" PREFIX=/usr install
	[ "$status" -eq 0 ]
	for p in eksl eksl-provision eksl-kubeconfig eksl-token eksl-resolve \
	    eksl-hosts eksl-zone eksl-authcheck eksl-refresh; do
		[ -x "$D/dest/usr/bin/$p" ] || fail "$p not installed"
		[ "$p" = eksl-refresh ] || [ -f "$D/dest/usr/share/man/man1/$p.1" ] ||
		    fail "$p.1 not installed"
	done
	[ -f "$D/dest/usr/share/man/man7/eksl.7" ]
	[ -f "$D/dest/usr/share/bash-completion/completions/eksl" ]
	[ -L "$D/dest/usr/share/bash-completion/completions/eksl-hosts" ]
	[ -f "$D/dest/usr/share/zsh/site-functions/_eksl" ]
	grep -qx 'ExecStart=/usr/bin/eksl-refresh' \
	    "$D/dest/usr/share/doc/eksl/contrib/systemd/eksl-refresh.service"
	[ -f "$D/dest/usr/share/doc/eksl/contrib/ansible/roles/eksl/tasks/main.yml" ]
	run make -s -C "$EKSL_TOP" OUT="$EKSL_BIN" BUILD="$EKSL_BUILD" \
	    DESTDIR="$D/dest" PREFIX=/usr uninstall
	[ "$status" -eq 0 ]
	[ -z "$(find "$D/dest" -type f -o -type l)" ]
}

@test "Ansible role: syntax check of the example playbook" {
	if ! command -v ansible-playbook >/dev/null 2>&1; then
		skip "ansible-playbook is not installed"
	fi
	run ansible-playbook --syntax-check -i localhost, contrib/ansible/site.yml
	[ "$status" -eq 0 ]
}

@test "Ansible role: installs into a temporary root, drops the record, runs the first refresh" {
	if ! command -v ansible-playbook >/dev/null 2>&1; then
		skip "ansible-playbook is not installed"
	fi
	record >"$D/my-cluster.json"
	cat >"$D/play.yml" <<EOF2
- hosts: localhost
  connection: local
  gather_facts: true
  roles:
    - role: $EKSL_TOP/contrib/ansible/roles/eksl
      vars:
        eksl_root: "$D/root"
        eksl_src: "$EKSL_TOP"
        eksl_bin_src: "$EKSL_BIN"
        eksl_install_packages: false
        eksl_scheduler: cron
        eksl_check: false
        eksl_describe_timeout: 5
        eksl_aws_args: "--region us-west-2 --endpoint-url http://127.0.0.1:9"
        eksl_clusters:
          - name: my-cluster
            record: "{{ lookup('file', '$D/my-cluster.json') }}"
EOF2
	mkdir -p "$D/root/etc"
	printf '127.0.0.1\tlocalhost\n' >"$D/root/etc/hosts"
	ANSIBLE_LOCAL_TEMP=$D/ansible-tmp ANSIBLE_NOCOLOR=1 \
	    run ansible-playbook -i localhost, "$D/play.yml"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	[ -x "$D/root/usr/local/bin/eksl-hosts" ]
	[ -x "$D/root/usr/local/bin/eksl-refresh" ]
	[ -f "$D/root/usr/local/share/man/man7/eksl.7" ]
	[ "$(stat -c %a "$D/root/var/lib/eksl/my-cluster.json")" = 600 ]
	grep -q '^CLUSTERS="my-cluster"' "$D/root/etc/eksl/refresh.conf"
	grep -q 'eksl-refresh' "$D/root/etc/cron.d/eksl-refresh"
	# the first refresh pinned the saved record's address
	grep -q "^127.0.0.11	abc.gr7.us-west-2.eks.amazonaws.com" "$D/root/etc/hosts"
	# a second run changes nothing
	ANSIBLE_LOCAL_TEMP=$D/ansible-tmp ANSIBLE_NOCOLOR=1 \
	    run ansible-playbook -i localhost, "$D/play.yml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"changed=0"* ]]
}

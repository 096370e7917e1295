# bash completion for the eksl programs.  Source it, or install it as
# /usr/share/bash-completion/completions/eksl (and a link per program).

_eksl_opts() {
	# _eksl_opts PROGRAM SUBCOMMAND: the options it takes
	local common="-v -q --help --version"
	local aws="--region --profile --endpoint-url"
	case $1 in
	eksl-provision)
		case $2 in
		validate) echo "-f --online $aws $common" ;;
		create) echo "-f --no-wait --timeout --dry-run $aws $common" ;;
		describe) echo "--name $aws $common" ;;
		delete) echo "--name --no-wait --with-network $aws $common" ;;
		assume-role) echo "--role-arn --session-name --duration $aws $common" ;;
		esac ;;
	eksl-token) echo "--cluster-name --cluster-id --region --role-arn --profile $common" ;;
	eksl-kubeconfig) echo "--kubeconfig --alias --user-alias --role-arn --exec --offline --embed --dry-run $common" ;;
	eksl-resolve) echo "--server --timeout --tries --state-dir --probe --port --host $common" ;;
	eksl-hosts) echo "--file --dry-run --host --ip --lock-timeout $common" ;;
	eksl-zone) echo "--format --out --out-dir --origin --ttl --ns --contact --server-conf --reload $common" ;;
	eksl-authcheck)
		case $2 in
		prepare) echo "--dir --user --group --cluster-role --expiration --key-type --renew-days $common" ;;
		check) echo "--warn-days --deep --timeout $common" ;;
		esac ;;
	esac
}

_eksl_subs() {
	case $1 in
	eksl-provision) echo "validate create describe delete assume-role" ;;
	eksl-hosts) echo "pin unpin check list" ;;
	eksl-authcheck) echo "prepare check" ;;
	esac
}

_eksl_complete() {
	local cur prev prog sub i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	prog=${COMP_WORDS[0]##*/}
	i=1
	if [ "$prog" = eksl ]; then
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W "provision kubeconfig token resolve hosts zone authcheck --help --version" -- "$cur"))
			return
		fi
		prog=eksl-${COMP_WORDS[1]}
		i=2
	fi
	case $prev in
	-f|--kubeconfig|--file|--out|--state-dir)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--dir|--out-dir)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--exec) COMPREPLY=($(compgen -W "eksl aws" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "zone unbound dnsmasq hosts rpz" -- "$cur")); return ;;
	--server-conf) COMPREPLY=($(compgen -W "nsd knot bind" -- "$cur")); return ;;
	--key-type) COMPREPLY=($(compgen -W "ec rsa2048 rsa4096" -- "$cur")); return ;;
	esac
	sub=$(_eksl_subs "$prog")
	if [ -n "$sub" ] && [ "$COMP_CWORD" -eq "$i" ]; then
		COMPREPLY=($(compgen -W "$sub --help --version" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$(_eksl_opts "$prog" "${COMP_WORDS[i]}")" -- "$cur"))
}

complete -F _eksl_complete eksl eksl-provision eksl-token eksl-kubeconfig \
    eksl-resolve eksl-hosts eksl-zone eksl-authcheck

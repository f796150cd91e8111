# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for hvpci-sim (installed as
# share/bash-completion/completions/hvpci-sim).

# The names `hvpci-sim list WHAT` prints, for completing --set values.
_hvpci_sim_names()
{
	"${1:-hvpci-sim}" list "$2" 2>/dev/null | awk 'NR > 1 && NF { print $1 }'
}

_hvpci_sim()
{
	local cur prev cmd i
	local commands="run matrix list help"
	local lists="profiles behaviours drivers faults modes phases ops reach violations host"
	local output="--format --color --tap --junit --json --html --jobs -j --no-progress --verbose -v --help"
	local words cword
	COMPREPLY=()
	if declare -F _get_comp_words_by_ref >/dev/null; then
		# bash-completion: words not split at '=' (--set PATH=VALUE)
		_get_comp_words_by_ref -n =: cur prev words cword
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	cmd=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			cmd=${words[i]}
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi

	case $prev in
	--format)
		COMPREPLY=($(compgen -W "human tap json junit" -- "$cur"))
		return
		;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--tap | --junit | --json | --html | --trace)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--jobs | -j | --seed | --shard)
		return
		;;
	--set)
		case $cur in
		guest.profile=*)
			COMPREPLY=($(compgen -P guest.profile= -W "$(_hvpci_sim_names "${words[0]}" profiles)" -- "${cur#*=}"))
			;;
		devices*.driver=*)
			COMPREPLY=($(compgen -P "${cur%%=*}=" -W "$(_hvpci_sim_names "${words[0]}" drivers)" -- "${cur#*=}"))
			;;
		vm.protocol=*)
			COMPREPLY=($(compgen -P vm.protocol= -W "1.1 1.2 1.3 1.4" -- "${cur#*=}"))
			;;
		guest.behaviours.*=*)
			COMPREPLY=($(compgen -P "${cur%%=*}=" -W "true false" -- "${cur#*=}"))
			;;
		guest.behaviours.*)
			COMPREPLY=($(compgen -P guest.behaviours. -S = -W "$(_hvpci_sim_names "${words[0]}" behaviours)" -- "${cur#guest.behaviours.}"))
			;;
		*)
			COMPREPLY=($(compgen -W "seed= vm.vcpus= vm.protocol= guest.profile= guest.behaviours. devices.0.driver= devices.0.vectors= reach= expect=" -- "$cur"))
			;;
		esac
		# bash completes the text after the last '=' when '=' breaks words
		if [[ $COMP_WORDBREAKS == *=* && $cur == *=* ]]; then
			COMPREPLY=("${COMPREPLY[@]#"${cur%=*}="}")
		fi
		compopt -o nospace 2>/dev/null
		return
		;;
	esac

	case $cmd in
	run)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--seed --trace --set $output" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	matrix)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--shard --list $output" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	list)
		COMPREPLY=($(compgen -W "$lists --help" -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	esac
}

complete -F _hvpci_sim hvpci-sim

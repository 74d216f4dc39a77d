# bash completion for dara (installed as share/bash-completion/completions/dara).
# The options are those of `dara COMMAND --help`; tests/e2e/install.sh
# checks that every one of them is here.

_dara_words() {
  case $1 in
    record)
      echo "-o --output -s --seed -p --policy -w --watchdog -m --max-steps -P --props
            -T --timers --points --ok-exit --check --coverage -h --help"
      ;;
    replay) echo "-w --watchdog -P --props --coverage -h --help" ;;
    explore)
      echo "-S --strategy -d --depth --pct-depth -s --seed -n --max-schedules -t --time-limit
            -o --output -k --keep-going --json --sarif --junit -w --watchdog -m --max-steps
            --show-output
            --props --timers -j --jobs --points --racy-probe --ok-exit --check --traces
            --races --shard --faults --max-faults --fault-procs --no-fork-server --coverage
            -h --help"
      ;;
    show) echo "-f --format -h --help" ;;
    merge) echo "-o --output --json -h --help" ;;
  esac
}

# The options of COMMAND that take a value.
_dara_takes_value() {
  case $1:$2 in
    record:-o | record:--output | record:-s | record:--seed | record:-p | record:--policy | \
      *:-w | *:--watchdog | *:-m | *:--max-steps | *:-P | *:--props | *:-T | *:--timers | \
      *:--points | *:--ok-exit | *:--check | *:--coverage | explore:-S | explore:--strategy | explore:-d | \
      explore:--depth | explore:--pct-depth | explore:-s | explore:--seed | explore:-n | \
      explore:--max-schedules | explore:-t | explore:--time-limit | explore:-o | \
      explore:--output | explore:-j | explore:--jobs | explore:--racy-probe | \
      explore:--traces | explore:--shard | explore:--faults | explore:--max-faults | \
      explore:--fault-procs | merge:-o | merge:--output | explore:--races | explore:--sarif | explore:--junit | show:-f | \
      show:--format)
      return 0
      ;;
  esac
  return 1
}

_dara() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd="" i
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "record replay explore show merge help --help --version" -- "$cur")
    return
  fi
  cmd=${COMP_WORDS[1]}
  if [[ $cmd == help ]]; then
    ((COMP_CWORD == 2)) && mapfile -t COMPREPLY < <(compgen -W "record replay explore show merge" -- "$cur")
    return
  fi

  # After the program (record, explore: the first word that is no option
  # or option value, or what follows "--" or ":"), the program's own
  # arguments: files, or a program after ":".
  if [[ $cmd == record || $cmd == explore ]]; then
    local skip=0 prog=0
    for ((i = 2; i < COMP_CWORD; i++)); do
      local w=${COMP_WORDS[i]}
      if ((prog)); then
        [[ $w == : ]] && prog=0 && skip=0 && continue
        continue
      fi
      if ((skip)); then skip=0; continue; fi
      [[ $w == -- ]] && { prog=2; continue; }
      [[ $w == -* && $w != *=* ]] && _dara_takes_value "$cmd" "$w" && { skip=1; continue; }
      [[ $w == -* ]] && continue
      prog=1
    done
    if ((prog == 1)); then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
    fi
    if ((prog == 2)); then
      mapfile -t COMPREPLY < <(compgen -c -- "$cur")
      [[ $cur == */* ]] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
    fi
  fi

  case $prev in
    -S | --strategy) mapfile -t COMPREPLY < <(compgen -W "mix dfs random pct pb dpor cov" -- "$cur"); return ;;
    -p | --policy) mapfile -t COMPREPLY < <(compgen -W "random rr" -- "$cur"); return ;;
    -T | --timers) mapfile -t COMPREPLY < <(compgen -W "any due" -- "$cur"); return ;;
    --points)
      local points="sync atomics all"
      [[ $cmd == explore ]] && points+=" racy"
      mapfile -t COMPREPLY < <(compgen -W "$points" -- "$cur")
      return
      ;;
    --races) mapfile -t COMPREPLY < <(compgen -W "report fail ignore" -- "$cur"); return ;;
    -f | --format) mapfile -t COMPREPLY < <(compgen -W "text json chrome shiviz" -- "$cur"); return ;;
    -P | --props) mapfile -t COMPREPLY < <(compgen -f -X '!*.so' -- "$cur"; compgen -d -- "$cur"); return ;;
    -o | --output)
      if [[ $cmd == explore ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return
      ;;
    --traces) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
  esac
  if _dara_takes_value "$cmd" "$prev"; then
    return # a number or a command: nothing to offer
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_dara_words "$cmd")" -- "$cur")
    return
  fi
  case $cmd in
    replay | show)
      # Schedule files: record's .bin, explore's .sched, and directories.
      mapfile -t COMPREPLY < <(
        compgen -f -X '!*.sched' -- "$cur"
        compgen -f -X '!*.bin' -- "$cur"
        compgen -d -- "$cur"
      )
      ;;
    record | explore)
      mapfile -t COMPREPLY < <(compgen -c -- "$cur")
      [[ $cur == */* ]] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      ;;
  esac
}

complete -o filenames -o bashdefault -F _dara dara

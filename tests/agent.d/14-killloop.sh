#!/bin/sh
# 14-killloop.sh - issue 9 item 7 (R3, R5): scepagentd killed with SIGKILL at
# random moments, ${KILL_LOOPS:-30} times, then started again. Each round
# does one of: a manual enrollment (its reload command sleeps, which widens
# the window between "certificate stored" and "history row written"; every
# third round is killed inside that command), an automatic run (A6 off:
# each run stores a new key <name>, <name>-2, ...; every second one is
# killed inside its reload command), or a key delete together with a
# two-object SET. After every restart, once
# no row is In progress:
#   - the key store: every .meta has its .key and .crt, every .key its .meta,
#     no staging or temp file is left;
#   - the history agrees with the store: a manual request's row is Completed
#     exactly when its key is stored, and an automatic run that was enabled
#     stored exactly one key (a run cut off after its store is finished, not
#     made again);
#   - keys of earlier rounds are all still there (nothing lost);
#   - a two-object SET is applied whole or not at all;
#   - the agent refused no state file, and the whole MIB walks cleanly.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
LOOPS=${KILL_LOOPS:-30}
A=$SL_AUTO
H=$SL_HIST
K=$SL_KEY
KEYS=$HOOK_DIR/keys

cat >"$HOOK_DIR/reload.sh" <<EOS
#!/bin/sh
echo "reload \$SCEP_KEY_NAME" >>"$HOOK_DIR/reload.log"
sleep 0.4
EOS
chmod 755 "$HOOK_DIR/reload.sh"
# Room for every round's key (a round stores one at most): a full store would
# end the automatic runs in keyStoreFull, not what this test is about.
SL_CAPACITY=$((LOOPS + 20)) sl_hook_start "reloadCommand dot1x $HOOK_DIR/reload.sh" \
    "reloadCommand tls $HOOK_DIR/reload.sh"
sl_use_server "$SCEP_URL" >/dev/null

# rand_below N: a random number 0..N-1.
rand_below()
{
    echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1))
}

# sleep_ms N: sleep N milliseconds (the random kill moment; not a wait for
# a condition).
sleep_ms()
{
    sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# DateAndTime (8 octets, the agent's local time) of now + $1 seconds.
start_in()
{
    _t=$(($(date +%s) + $1))
    # shellcheck disable=SC2046
    printf '%04x%02x%02x%02x%02x%02x00' $(date -d "@$_t" '+%Y %-m %-d %-H %-M %-S')
}

# Rows of the history: "INDEX NAME" lines.
hist_names()
{
    sl_walk "$H.2" | sed -n "s/^$H\.2\.\([0-9]*\) = STRING: \"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1 \2/p"
}

# Keys named auto or auto-<n> in the store directory.
auto_keys()
{
    ls "$KEYS" 2>/dev/null | grep -c -E '^auto(-[0-9]+)?\.meta$'
}

# Wait until no history row is waiting(1) or inProgress(2); 0 when settled.
settle()
{
    _left=300
    while [ "$_left" -gt 0 ]; do
        _w=$(sl_walk "$H.4")
        if [ -n "$_w" ] && ! printf '%s\n' "$_w" | grep -q ' = INTEGER: [12]$'; then
            return 0
        fi
        sleep 0.2
        _left=$((_left - 1))
    done
    return 1
}

present=      # manual keys that must stay in the store
kills=0
bad=0
round_fail()
{
    tl_fail "round $i ($what): $1" "$2"
    bad=$((bad + 1))
}

i=1
while [ "$i" -le "$LOOPS" ]; do
    what=manual
    case $((i % 5)) in
    2) what=auto ;;
    4) [ -n "$present" ] && what=delete ;;
    esac
    n_auto=$(auto_keys)
    n_reload=$(grep -c '^reload auto' "$HOOK_DIR/reload.log" 2>/dev/null)
    case $what in
    manual)
        name=m$i
        (sl_enroll "$name" "$name.example.com" "$SCEP_CHALLENGE" 2048 4 >/dev/null 2>&1) &
        bg=$!
        if [ $((i % 3)) = 0 ]; then
            # inside the reload command: stored, the row not yet written
            _left=300
            while [ "$_left" -gt 0 ] && ! grep -q -x "reload $name" "$HOOK_DIR/reload.log" \
                2>/dev/null; do
                sleep 0.1
                _left=$((_left - 1))
            done
            sleep_ms "$(rand_below 300)"
        else
            sleep_ms "$(rand_below 1800)"
        fi
        ;;
    auto)
        (sl_set "$A.10.0" s auto "$A.14.0" s auto.example.com "$A.17.0" i 2 \
            "$A.15.0" s "$SCEP_CHALLENGE" "$A.3.0" i 2 "$A.2.0" x "$(start_in 1)" \
            "$A.4.0" u 2 "$A.5.0" u 1 "$A.6.0" u 0 "$A.7.0" i 2 "$A.8.0" i 2 \
            "$A.1.0" i 1 >/dev/null 2>&1) &
        bg=$!
        if [ $((i % 10)) = 7 ]; then
            # inside the run's reload command: the run's key is stored
            _left=300
            while [ "$_left" -gt 0 ] &&
                [ "$(grep -c '^reload auto' "$HOOK_DIR/reload.log" 2>/dev/null)" = "$n_reload" ]; do
                sleep 0.1
                _left=$((_left - 1))
            done
            sleep_ms "$(rand_below 300)"
        else
            sleep_ms "$(rand_below 3000)"
        fi
        ;;
    delete)
        victim=${present%% *}
        ki=$(sl_key_index "$victim")
        before=$(sl_get "$A.4.0" "$A.5.0" | tr '\n' ' ')
        (sl_set "$K.16.${ki:-0}" i 2 "$A.4.0" u "$i" "$A.5.0" u "$i" >/dev/null 2>&1) &
        bg=$!
        sleep_ms "$(rand_below 400)"
        ;;
    esac
    kill -9 "$SL_AGENT_PID" 2>/dev/null
    wait "$SL_AGENT_PID" 2>/dev/null
    SL_AGENT_PID=
    kills=$((kills + 1))
    wait "$bg" 2>/dev/null
    cat "$HOOK_DIR/agent.log" >>"$HOOK_DIR/rounds.log" # -Lf starts it afresh
    if ! sl_agent_start "$HOOK_DIR"; then
        round_fail "scepagentd starts again"
        break
    fi
    if ! settle; then
        round_fail "no row stays In progress or Waiting" "$(sl_walk "$H.4" | tr '\n' ' ')"
    fi

    p=$(sl_store_problems "$KEYS")
    [ -z "$p" ] || round_fail "key store consistent" "$(printf '%s' "$p" | tr '\n' ';')"

    case $what in
    manual)
        rows=$(hist_names | awk -v n="$name" '$2 == n { print $1 }')
        nrows=$(printf '%s' "$rows" | grep -c .)
        stored=0
        [ -e "$KEYS/$name.meta" ] && stored=1
        if [ "$nrows" -gt 1 ]; then
            round_fail "at most one row for $name" "$rows"
        elif [ "$nrows" = 0 ]; then
            [ "$stored" = 0 ] || round_fail "$name stored without a row"
        else
            st=$(sl_get "$H.4.$rows")
            if [ "$stored" = 1 ] && [ "$st" != 4 ]; then
                round_fail "$name stored, its row is Completed" "state $st"
            elif [ "$stored" = 0 ] && [ "$st" = 4 ]; then
                round_fail "$name not stored, its row is not Completed" "state $st"
            fi
        fi
        [ "$stored" = 1 ] && present="$present $name"
        present=${present# }
        ;;
    auto)
        en=$(sl_get "$A.1.0")
        got=$(auto_keys)
        if [ "$en" = 1 ]; then
            [ "$got" = $((n_auto + 1)) ] ||
                round_fail "the enabled run stored one key" "$n_auto -> $got"
            last=$(sl_walk "$H.3" | sed -n "s/^$H\.3\.\([0-9]*\) = INTEGER: 2\$/\1/p" |
                sort -n | tail -n 1)
            [ "$(sl_get "$H.4.${last:-0}")" = 4 ] ||
                round_fail "the run's row ($last) is Completed" "$(sl_get "$H.4.${last:-0}")"
            sl_set "$A.1.0" i 2 >/dev/null 2>&1 # off until the next auto round
        else
            [ "$got" = "$n_auto" ] ||
                round_fail "not enabled: no key stored" "$n_auto -> $got"
        fi
        ;;
    delete)
        if [ -e "$KEYS/$victim.meta" ]; then
            [ -n "$(sl_key_index "$victim")" ] || round_fail "$victim stored but not in the table"
        else
            [ -z "$(sl_key_index "$victim")" ] || round_fail "$victim deleted but in the table"
            present=${present#"$victim"}
            present=${present# }
        fi
        v=$(sl_get "$A.4.0" "$A.5.0" | tr '\n' ' ')
        case $v in
        "$i $i " | "$before") ;;
        *) round_fail "the two-object SET is whole or not applied" "$before-> $v" ;;
        esac
        ;;
    esac
    for n in $present; do
        [ -e "$KEYS/$n.meta" ] || round_fail "$n (an earlier round) is still stored"
    done
    refused=$(grep -i -E 'refused|not applied|cannot (load|read)' "$HOOK_DIR/agent.log" | head -n 3)
    [ -z "$refused" ] || round_fail "no state file refused" "$refused"
    w=$(sl_walk "$SL_ROOT" 2>&1)
    rc=$?
    case $w in
    *Timeout* | *"No Such"* | *"Error in packet"*) rc=1 ;;
    esac
    [ "$rc" = 0 ] && [ "$(printf '%s\n' "$w" | grep -c " = ")" -gt 50 ] ||
        round_fail "the MIB walks cleanly" "$(printf '%s' "$w" | tail -n 2 | tr '\n' ' ')"
    i=$((i + 1))
done
cat "$HOOK_DIR/agent.log" >>"$HOOK_DIR/rounds.log"
recovered=$(grep -c 'was stored before the agent stopped' "$HOOK_DIR/rounds.log")
tl_log "kill loop: $kills kills, $bad failed checks; keys stored: $(ls "$KEYS" | grep -c '\.meta$')," \
    "requests finished after a restart: $recovered"
sl_eq "$kills kills made" "$kills" "$LOOPS"
sl_eq "every round's invariants held" "$bad" 0
# Every third manual round is killed inside its reload command: at least one
# of them must have been finished by the restarted agent.
[ "$LOOPS" -lt 3 ] || sl_match "requests finished after a restart" "$recovered" "[1-9]*"
sl_agent_stop
tl_summary

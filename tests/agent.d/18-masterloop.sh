#!/bin/sh
# 18-masterloop.sh - issue 10 item 3 (R3, U4): the master snmpd killed
# (SIGKILL) and started again ${MASTER_LOOPS:-20} times while the subagent
# works. Each round: an enrollment and a two-object SET go out, snmpd is
# killed at a random moment, the enrollment ends while it is away, snmpd
# comes back. Checked every round: the subagent answers through the new
# master within its ping interval (1 s) plus a margin (a 10 s deadline: "it
# happens at all"; the time it took is printed), the two-object SET is whole
# or absent, and the scepcCertObtained raised while the master was away
# arrives. Uses its own snmpd (own port and socket).
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
LOOPS=${MASTER_LOOPS:-20}
A=$SL_AUTO
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"
sl_private_snmpd
SL_CAPACITY=40 sl_hook_start
sl_use_server "$SCEP_URL" >/dev/null

rand_below()
{
    echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1))
}

bad=0
worst=0
i=1
while [ "$i" -le "$LOOPS" ]; do
    sl_trap_mark
    before=$(sl_get "$A.4.0" "$A.5.0" | tr '\n' ' ')
    sl_enroll "r$i" "r$i.example.com" "$SCEP_CHALLENGE" 1024 1 >/dev/null
    (sl_set "$A.4.0" u "$i" "$A.5.0" u "$i" >/dev/null 2>&1) &
    bg=$!
    sleep "0.$(printf '%03d' "$(rand_below 400)")" # the random kill moment
    kill -9 "$SL_SNMPD_PID"
    wait "$SL_SNMPD_PID" 2>/dev/null
    wait "$bg" 2>/dev/null
    t0=$(date +%s%N)
    if ! sl_snmpd_start "$HOOK_DIR/snmpd" "$SL_PORT" "$SL_SOCK" "$SL_TRAP_PORT"; then
        tl_fail "round $i: snmpd starts again"
        bad=$((bad + 1))
        break
    fi
    if sl_wait_agent 10; then
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$ms" -gt "$worst" ] && worst=$ms
    else
        tl_fail "round $i: the subagent answers within 10 s of the master's return"
        bad=$((bad + 1))
    fi
    v=$(sl_get "$A.4.0" "$A.5.0" | tr '\n' ' ')
    case $v in
    "$i $i " | "$before") ;;
    *)
        tl_fail "round $i: the two-object SET is whole or absent" "$before-> $v"
        bad=$((bad + 1))
        ;;
    esac
    # wait for r$i's own (an earlier round's may come again first: at least
    # once around a master restart)
    if ! line=$(sl_trap_wait 30 "STRING: \"r$i\"") ||
        ! printf '%s\n' "$line" | grep -q -F -- "$TRAPOID.4~"; then
        tl_fail "round $i: scepcCertObtained for r$i arrives"
        bad=$((bad + 1))
    fi
    i=$((i + 1))
done
tl_log "master loop: $((i - 1)) kills of snmpd; the subagent answered at most $worst ms" \
    "after snmpd was started again"
sl_eq "$LOOPS kills of the master made" "$((i - 1))" "$LOOPS"
sl_eq "every round's checks held" "$bad" 0
sl_agent_stop
sl_snmpd_stop
tl_summary

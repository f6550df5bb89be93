#!/bin/sh
# 11-auto.sh - the automatic request runs (A1, A3, A5, A6, B2, T2, N): a
# timer enabled by SNMP with a start a few seconds ahead (random delay off)
# goes Waiting -> In progress -> Completed against the Debian scepserver, runs
# the restart command, replaces the previous key of its usage and keeps the
# default key; the next runs renew the valid key of the usage (RenewalReq,
# B1); with faultsrv answering PENDING twice then SUCCESS: one
# scepcEnrollPending, CertPolls with one transactionID, one certificate, one
# history row; a server that is down: the retries, then Error (TCP ERROR) and
# one scepcEnrollFailed; kill -9 while a run is pending, restart, and the same
# transaction completes. Periodic runs, the delay distribution and clock jumps
# are unit tests (test_sched): their times are minutes, not seconds.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start
A=$SL_AUTO
H=$SL_HIST
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"
# traps_count N: notifications scepcMIB.0.N received since the mark.
traps_count()
{
    sl_traps_since | grep -c -F -- "$TRAPOID.$1~"
}

# DateAndTime (8 octets, the agent's local time) of now + $1 seconds.
start_in()
{
    _t=$(($(date +%s) + $1))
    # shellcheck disable=SC2046
    printf '%04x%02x%02x%02x%02x%02x00' $(date -d "@$_t" '+%Y %-m %-d %-H %-M %-S')
}

# The auto group for key $1, CN $2, usage tls, random delay off, start in $3 s,
# $4 retries every $5 s, once; then enable. Prints the SET errors.
auto_on()
{
    sl_set_err "$A.10.0" s "$1" "$A.14.0" s "$2" "$A.17.0" i 2 "$A.15.0" s "$SCEP_CHALLENGE" \
        "$A.3.0" i 2 "$A.2.0" x "$(start_in "$3")" "$A.4.0" u "$4" "$A.5.0" u "$5" \
        "$A.6.0" u 0 "$A.7.0" i 1 "$A.8.0" i 1
    sl_set_err "$A.1.0" i 1
}

# --- 1. the Debian scepserver: Waiting -> In progress -> Completed ------------
sl_use_server "$SCEP_URL" >/dev/null
sl_eq "default key main (tls)" "$(sl_enroll main main.example.com "$SCEP_CHALLENGE" 2048 2)" \
    noError
sl_eq "  completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 60)" 4
sl_eq "previous tls key old1" "$(sl_enroll old1 old1.example.com "$SCEP_CHALLENGE" 2048 2)" \
    noError
sl_eq "  completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 60)" 4
: >"$HOOK_DIR/hooks.log"
sl_trap_mark
r=$(auto_on auto1 auto1.example.com 4 2 1)
sl_eq "auto group set and timer enabled" "$r" "noError
noError"
w=$(sl_get "$SL_ROOT.1.4.2.0")
sl_eq "a Waiting row for the first run" "$(sl_get "$H.4.$w") $(sl_get "$H.3.$w")" "1 2"
sl_eq "scepcAutoOperStatus enabled(1)" "$(sl_get "$A.19.0")" 1
sl_eq "the run makes the Waiting row In progress, then Completed" "$(sl_wait_hist "$w" 90)" 4
sl_eq "  one row for the run (no other row added)" "$(sl_get "$SL_ROOT.1.4.2.0")" "$w"
sl_eq "  key name auto1" "$(sl_get "$H.2.$w")" auto1
sl_eq "scepcAutoOperStatus finished(3) (interval 0: once)" "$(sl_wait_value 10 "$A.19.0" 3)" 3
sl_match "the restart command ran (A5)" "$(cat "$HOOK_DIR/hooks.log")" "*restart key=auto1*"
ka=$(sl_key_index auto1)
sl_match "auto1 is in the key store" "$ka" "[0-9]*"
sl_eq "the previous key of the usage (old1) is gone (A6)" "$(sl_key_index old1)" ""
sl_match "the default key main is kept" "$(sl_key_index main)" "[0-9]*"
line=$(sl_trap_wait 10 "$TRAPOID.4~")
sl_match "scepcCertObtained for auto1" "$line" "*auto1*"
sl_eq "scepcAutoFailures 0" "$(sl_get "$A.21.0")" 0
r=$(sl_set_err "$A.1.0" i 2)
sl_eq "timer off" "$r" noError

# --- 2. PENDING twice, then SUCCESS ---------------------------------------------
if sl_faultsrv_start "$HOOK_DIR/fault-pending" pending:2 --state-dir "$HOOK_DIR/fsrv-state"; then
    sl_eq "use faultsrv pending:2" "$(sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR")" noError
    sl_trap_mark
    r=$(auto_on pend1 pend1.example.com 2 3 1)
    sl_eq "timer on (3 retries every 1 s)" "$r" "noError
noError"
    w=$(sl_get "$SL_ROOT.1.4.2.0")
    sl_eq "the run completes" "$(sl_wait_hist "$w" 60)" 4
    sl_eq "  in one row" "$(sl_get "$SL_ROOT.1.4.2.0")" "$w"
    err=$HOOK_DIR/fault-pending/faultsrv0.err
    # auto1 (tls) is valid and the server offers Renewal: B1
    sl_eq "one RenewalReq (signed by auto1's certificate), two CertPolls" \
        "$(grep -c 'type=17' "$err") $(grep -c 'type=19' "$err") $(grep -c 'type=20' "$err")" \
        "1 0 2"
    sl_eq "  with one transactionID" \
        "$(sed -n 's/.*PKIOperation type=[0-9]* tid=\([^ ]*\) .*/\1/p' "$err" | sort -u | wc -l)" 1
    sl_match "pend1 stored" "$(sl_key_index pend1)" "[0-9]*"
    sl_trap_wait 10 "$TRAPOID.4~" >/dev/null
    sl_eq "one scepcEnrollPending" "$(traps_count 1)" 1
    sl_eq "one scepcCertObtained" "$(traps_count 4)" 1
    sl_eq "no scepcEnrollFailed" "$(traps_count 3)" 0
    sl_eq "timer off" "$(sl_set_err "$A.1.0" i 2)" noError
else
    tl_fail "faultsrv pending:2 starts"
fi

# --- 3. the server is down: retries, then Error (TCP ERROR) ---------------------
tl_port dead_port
sl_eq "use a server that is down" "$(sl_use_server "http://127.0.0.1:$dead_port/scep")" noError
sl_trap_mark
f0=$(sl_get "$A.21.0")
r=$(auto_on down1 down1.example.com 2 2 1)
sl_eq "timer on (2 retries every 1 s)" "$r" "noError
noError"
w=$(sl_get "$SL_ROOT.1.4.2.0")
sl_eq "the run ends in Error" "$(sl_wait_hist "$w" 60)" 3
sl_eq "  detail tcpError(4)" "$(sl_get "$H.5.$w")" 4
sl_eq "  in one row" "$(sl_get "$SL_ROOT.1.4.2.0")" "$w"
sl_eq "scepcAutoFailures + 1" "$(sl_get "$A.21.0")" "$((f0 + 1))"
sl_match "scepcAutoLastFailed set" "$(sl_getn "$A.22.0")" "*Hex-STRING: ?? ?? ?? ?? ?? ?? ?? ?? 2? ?? ?? *"
sl_trap_wait 10 "$TRAPOID.3~" >/dev/null
sl_eq "one scepcEnrollFailed after the retries" \
    "$(traps_count 3)" 1
sl_match "the log shows the retries" "$(cat "$HOOK_DIR/agent.log" 2>/dev/null)" "*retry in 1 s (2 of 2*"
sl_eq "timer off" "$(sl_set_err "$A.1.0" i 2)" noError

# --- 4. kill -9 while pending; the restarted agent completes the transaction -----
if sl_faultsrv_start "$HOOK_DIR/fault-kill" pending:2 --state-dir "$HOOK_DIR/fsrv-kill"; then
    sl_eq "use faultsrv pending:2" "$(sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR")" noError
    sl_trap_mark
    r=$(auto_on kill1 kill1.example.com 2 3 5)
    sl_eq "timer on (3 retries every 5 s)" "$r" "noError
noError"
    w=$(sl_get "$SL_ROOT.1.4.2.0")
    if sl_trap_wait 30 "$TRAPOID.1~" >/dev/null; then
        tl_pass "scepcEnrollPending for kill1"
    else
        tl_fail "scepcEnrollPending for kill1"
    fi
    kill -9 "$SL_AGENT_PID"
    wait "$SL_AGENT_PID" 2>/dev/null
    SL_AGENT_PID=
    if sl_agent_start "$HOOK_DIR"; then
        tl_pass "scepagentd starts again after kill -9"
    else
        tl_fail "scepagentd starts again after kill -9"
    fi
    sl_eq "the same run completes after the restart" "$(sl_wait_hist "$w" 60)" 4
    err=$HOOK_DIR/fault-kill/faultsrv0.err
    sl_eq "one RenewalReq, then CertPolls only" \
        "$(grep -c 'type=17' "$err") $(grep -c 'type=19' "$err")" "1 0"
    sl_eq "  with one transactionID" \
        "$(sed -n 's/.*PKIOperation type=[0-9]* tid=\([^ ]*\) .*/\1/p' "$err" | sort -u | wc -l)" 1
    sl_match "kill1 stored" "$(sl_key_index kill1)" "[0-9]*"
    sl_eq "timer off" "$(sl_set_err "$A.1.0" i 2)" noError
else
    tl_fail "faultsrv pending:2 starts"
fi

sl_agent_stop
tl_summary

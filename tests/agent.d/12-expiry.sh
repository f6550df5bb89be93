#!/bin/sh
# 12-expiry.sh - B5: a certificate valid for one day (Debian scepserver
# -crtvalid 1, inside the 30 warn days) gives one scepcCertExpiring, and an
# agent restart does not send it again (the time it was sent is saved in the
# state directory). Not -crtvalid 0: a certificate that is already expired
# when it arrives is refused (certificateUntrusted, issue 9).
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"

tl_port exp_port
if ! tl_scepserver_start "$HOOK_DIR/scep0" "$exp_port" "$SCEP_CHALLENGE" -crtvalid 1; then
    tl_fail "scepserver -crtvalid 1 starts"
    tl_summary
    exit 1
fi
sl_agent_conf_std "$HOOK_DIR"
sl_trap_mark
if ! sl_agent_start "$HOOK_DIR" -Dscepagentd/expiry,scepagentd/notify; then
    tl_fail "scepagentd starts and answers"
    tl_summary
    exit 1
fi
sl_use_server "http://127.0.0.1:$exp_port/scep" >/dev/null
sl_eq "enroll exp1" "$(sl_enroll exp1 exp1.example.com "$SCEP_CHALLENGE" 2048 1)" noError
sl_eq "  completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 60)" 4
ki=$(sl_key_index exp1)
sl_eq "  certificate expiringSoon(3)" "$(sl_get "$SL_KEY.6.$ki")" 3
line=$(sl_trap_wait 30 "$TRAPOID.5~")
sl_match "scepcCertExpiring for exp1" "$line" "*exp1*"
sl_eq "  exactly one" "$(sl_traps_since | grep -c -F -- "$TRAPOID.5~")" 1

sl_agent_stop
sl_trap_mark
: >"$HOOK_DIR/agent.log"
if ! sl_agent_start "$HOOK_DIR" -Dscepagentd/expiry,scepagentd/notify; then
    tl_fail "scepagentd starts again"
    tl_summary
    exit 1
fi
# Wait for the expiry check after the start (the debug line), then count.
_left=150
while [ "$_left" -gt 0 ] && ! grep -q "expiry check done: [1-9]" "$HOOK_DIR/agent.log"; do
    sleep 0.2
    _left=$((_left - 1))
done
sl_match "the expiry check ran after the restart" "$(cat "$HOOK_DIR/agent.log")" \
    "*expiry check done: 1 keys, 1 marked*"
# A trap sent after the check (a refused request: scepcEnrollFailed) arrives
# after any scepcCertExpiring the check sent: then count.
sl_eq "a request with a wrong challenge" "$(sl_enroll bad1 bad1.example.com wrong 1024 1)" \
    noError
if sl_trap_wait 60 "$TRAPOID.3~" >/dev/null; then
    tl_pass "  its scepcEnrollFailed arrived"
else
    tl_fail "  its scepcEnrollFailed arrived"
fi
sl_eq "no second scepcCertExpiring after the restart" \
    "$(sl_traps_since | grep -c -F -- "$TRAPOID.5~")" 0
sl_agent_stop
tl_summary

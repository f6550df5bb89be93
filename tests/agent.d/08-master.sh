#!/bin/sh
# 08-master.sh - U4: the master snmpd restarts; the subagent (agentxPingInterval
# 1) answers through it again within 5 s, and a notification raised while the
# master was away arrives afterwards. Uses its own snmpd (own port and
# socket), so the shared master of agent.sh is not disturbed.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_private_snmpd
sl_hook_start
sl_agent_conf_std "$HOOK_DIR" >/dev/null
# A slow server: the enrollment ends while the master is down.
if ! sl_faultsrv_start "$HOOK_DIR/fault" slow:4; then
    tl_fail "faultsrv slow:4 starts"
    tl_summary
    exit 1
fi
sl_eq "use faultsrv (slow)" "$(sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR")" noError
sl_trap_mark
r=$(sl_enroll away1 away1.example.com whatever 1024)
sl_eq "trigger an enrollment that takes ~4 s" "$r" noError
hi=$(sl_get "$SL_REQ.13.0")

sl_snmpd_stop
t0=$(date +%s)
# until the subagent noticed (its ping failed), then it must still run
if sl_wait_log 10 "$HOOK_DIR/agent.log" 'master disconnected us|failed to respond to ping'; then
    tl_pass "the subagent noticed the master's exit"
else
    tl_fail "the subagent noticed the master's exit"
fi
if tl_alive "$SL_AGENT_PID"; then
    tl_pass "the subagent survives the master's exit"
else
    tl_fail "the subagent survives the master's exit"
fi
# Stay away until the enrollment is certainly over (faultsrv logs the
# answer) and the agent has finished the request (its outcome line).
sl_wait_log 10 "$HOOK_DIR/fault/faultsrv0.err" 'type=19.*-> status'
if sl_wait_log 10 "$HOOK_DIR/agent.log" "request $hi for \"away1\": completed"; then
    tl_pass "the request ended while the master was away"
else
    tl_fail "the request ended while the master was away"
fi
if ! sl_snmpd_start "$HOOK_DIR/snmpd" "$SL_PORT" "$SL_SOCK" "$SL_TRAP_PORT"; then
    tl_fail "snmpd starts again"
    tl_summary
    exit 1
fi
t1=$(date +%s)
if sl_wait_agent 5; then
    t2=$(date +%s)
    tl_pass "the subagent answers again $((t2 - t1)) s after the master is back (<= 5 s)"
else
    tl_fail "the subagent answers again within 5 s of the master's return"
fi
sl_eq "the enrollment completed meanwhile" "$(sl_wait_hist "$hi" 10)" 4
line=$(sl_trap_wait 10 "$SL_ROOT.0.4~")
sl_match "scepcCertObtained raised while the master was away arrives after" "$line" \
    "*STRING: \"away1\"*"
echo "master away $((t1 - t0)) s"
tl_summary

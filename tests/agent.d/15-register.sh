#!/bin/sh
# 15-register.sh - issue 9 item 6: a registration the master refuses is
# retried. A second scepagentd (key store capacity 20) starts while the first
# (capacity 10) serves the MIB: the master refuses its registrations
# (duplicateRegistration). It keeps its session and tries again with a
# back-off; when the first agent is killed (kill -9), the second one
# registers and answers (scepcKeyStoreCapacity 20) without a restart.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
CAP=$SL_ROOT.1.5.1.0
sl_hook_start
sl_eq "the first agent answers (capacity 10)" "$(sl_get "$CAP")" 10
first=$SL_AGENT_PID

B=$HOOK_DIR/b
SL_CAPACITY=20 sl_agent_conf_std "$B"
tl_spawn "$B/agent.out" "$SCEPAGENTD" -f -c "$B/agent.conf" -Lf "$B/agent.log"
second=$TL_LAST_PID

if sl_wait_log 20 "$B/agent.log" "registering pdu failed"; then
    tl_pass "the master refuses the second agent's registrations"
else
    tl_fail "the master refuses the second agent's registrations" "$(tail -n 5 "$B/agent.log")"
fi
if sl_wait_log 20 "$B/agent.log" "reconnecting to register again"; then
    tl_pass "the second agent tries again"
else
    tl_fail "the second agent tries again" "$(tail -n 5 "$B/agent.log")"
fi
sl_eq "the first agent still answers" "$(sl_get "$CAP")" 10

kill -9 "$first"
wait "$first" 2>/dev/null
SL_AGENT_PID=$second
# Its tries back off (2, 4, 8 ... 60 s): within a minute and a half at most.
sl_eq "the second agent registers and answers, without a restart" \
    "$(sl_wait_value 90 "$CAP" 20)" 20
if tl_alive "$second"; then
    tl_pass "the second agent was not restarted (same process)"
else
    tl_fail "the second agent was not restarted (same process)"
fi
sl_match "its log counts the tries" "$(grep -c 'reconnecting to register again' "$B/agent.log")" \
    "[1-9]*"
sl_agent_stop
tl_summary

#!/bin/sh
# 16-valgrind.sh - issue 10 item 2 (R7): one end-to-end enrollment through
# scepagentd running under valgrind (memcheck, --error-exitcode=1, definite
# leaks are errors): start, one SNMP SET, the certificate from the Debian
# scepserver, the notification, a walk, SIGTERM. The agent must exit 0 (no
# memory error, no definite leak). Run by the valgrind stage of
# scripts/check (VALGRIND_E2E=1); agent.sh skips it otherwise.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"
cat >"$HOOK_DIR/vg-agent" <<EOS
#!/bin/sh
exec valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --log-file="$HOOK_DIR/valgrind.log" "$SCEPAGENTD" "\$@"
EOS
chmod 755 "$HOOK_DIR/vg-agent"
sl_agent_conf_std "$HOOK_DIR"
sl_trap_mark
tl_spawn "$HOOK_DIR/agent.out" "$HOOK_DIR/vg-agent" -f -c "$HOOK_DIR/agent.conf" \
    -Lf "$HOOK_DIR/agent.log"
SL_AGENT_PID=$TL_LAST_PID
if sl_wait_agent 120; then
    tl_pass "scepagentd under valgrind answers"
else
    tl_fail "scepagentd under valgrind answers" "$(tail -n 5 "$HOOK_DIR/agent.log")"
    tl_summary
    exit 1
fi
sl_eq "server URL" "$(sl_use_server "$SCEP_URL")" noError
sl_eq "enroll vg1" "$(SL_TIMEOUT=20 sl_enroll vg1 vg1.example.com "$SCEP_CHALLENGE" 1024 2)" \
    noError
# While the worker generates the key under valgrind, snmpd may give up on
# the subagent (genError): ask again until the row index comes back.
hi=
left=60
while [ "$left" -gt 0 ]; do
    hi=$(SL_TIMEOUT=10 sl_get "$SL_REQ.13.0" 2>/dev/null)
    case "$hi" in [1-9]*) break ;; esac
    sleep 1
    left=$((left - 1))
done
sl_match "  the request's history row ($hi)" "$hi" "[1-9]*"
sl_eq "  completed" "$(SL_TIMEOUT=10 sl_wait_hist "$hi" 300)" 4
line=$(sl_trap_wait 60 "$TRAPOID.4~")
sl_match "scepcCertObtained" "$line" "*vg1*"
n=$(SL_TIMEOUT=20 sl_walk "$SL_ROOT" | grep -c ' = ')
sl_match "the whole MIB walks ($n objects)" "$n" "[1-9][0-9]*"
sl_agent_stop
rc=$?
sl_eq "SIGTERM: scepagentd exits 0 under valgrind (no error, no definite leak)" "$rc" 0
[ "$rc" = 0 ] || tl_show_log "$HOOK_DIR/valgrind.log"
sl_eq "valgrind reported nothing" "$(grep -c '==[0-9]*==' "$HOOK_DIR/valgrind.log")" 0
tl_summary

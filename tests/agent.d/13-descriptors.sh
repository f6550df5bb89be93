#!/bin/sh
# 13-descriptors.sh - issue 9 items 6 and 7: a command the agent runs
# inherits none of its descriptors. A reload command that is still running
# when the agent is killed (kill -9) must not keep the agent's AgentX session
# alive in the master: the restarted agent registers again and the MIB
# answers. The request it was killed in (certificate already stored) then
# finishes: row Completed, commands run, scepcCertObtained.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"

# The reload command: slow the first time only (then the agent is killed).
cat >"$HOOK_DIR/slow.sh" <<EOS
#!/bin/sh
echo "reload \$SCEP_KEY_NAME" >>"$HOOK_DIR/reload.log"
[ -e "$HOOK_DIR/slow.once" ] && exit 0
: >"$HOOK_DIR/slow.once"
echo \$\$ >"$HOOK_DIR/slow.pid"
exec sleep 60
EOS
chmod 755 "$HOOK_DIR/slow.sh"
sl_hook_start "reloadCommand dot1x $HOOK_DIR/slow.sh" "commandTimeout 120"
sl_use_server "$SCEP_URL" >/dev/null
sl_eq "enroll a dot1x key" "$(sl_enroll slow1 slow1.example.com "$SCEP_CHALLENGE" 2048 4)" \
    noError
row=$(sl_get "$SL_REQ.13.0")
# Wait until the command is the sleep it execs into, then list what it holds.
_left=300
slowpid=
while [ "$_left" -gt 0 ]; do
    slowpid=$(cat "$HOOK_DIR/slow.pid" 2>/dev/null)
    [ -n "$slowpid" ] && [ "$(cat "/proc/$slowpid/comm" 2>/dev/null)" = sleep ] && break
    sleep 0.2
    _left=$((_left - 1))
done
if [ -n "$slowpid" ] && [ "$_left" -gt 0 ]; then
    tl_pass "the reload command runs (pid $slowpid)"
else
    tl_fail "the reload command runs"
fi
ls -l "/proc/$slowpid/fd" >"$HOOK_DIR/slow.fds" 2>&1
# Only stdin (/dev/null) and stdout/stderr (the output pipe): 0, 1, 2.
sl_eq "the command holds 3 descriptors (0, 1, 2)" "$(grep -c -- ' -> ' "$HOOK_DIR/slow.fds")" 3
sl_eq "  none of them a socket" "$(grep -c -- '-> socket:' "$HOOK_DIR/slow.fds")" 0
kill -9 "$SL_AGENT_PID" # the key is stored, its history row still says In progress
wait "$SL_AGENT_PID" 2>/dev/null
SL_AGENT_PID=
sl_trap_mark
if sl_agent_start "$HOOK_DIR"; then
    tl_pass "scepagentd starts again while the command still runs"
else
    tl_fail "scepagentd starts again while the command still runs"
fi
sl_eq "the MIB answers after the restart" "$(sl_get "$SL_URL")" "$SCEP_URL"
sl_match "the key table answers" "$(sl_key_index slow1)" "[0-9]*"
# Issue 9 item 7: the request whose certificate was stored finishes after the
# restart: row Completed, the commands run again, scepcCertObtained.
sl_eq "the interrupted request's row is Completed after the restart" \
    "$(sl_wait_hist "$row" 30)" 4
line=$(sl_trap_wait 30 ".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0.4~")
sl_match "scepcCertObtained for it" "$line" "*STRING: \"slow1\"*"
sl_eq "the reload command ran again (2 runs)" "$(grep -c 'reload slow1' "$HOOK_DIR/reload.log")" 2
[ -n "$slowpid" ] && kill -9 "$slowpid" 2>/dev/null
sl_agent_stop
tl_summary

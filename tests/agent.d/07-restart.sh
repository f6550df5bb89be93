#!/bin/sh
# 07-restart.sh - a restart of scepagentd keeps settings, history and keys;
# M11: the manual request parameters are gone; history indexes continue.
# SIGHUP re-reads the local config (capacity, restart command); a broken
# config is refused and the previous one stays.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start
H=$SL_HIST
sl_use_server "$SCEP_URL" >/dev/null
r=$(sl_set_err "$SL_TIMEOUTOBJ" u 50 "$SL_ROOT.1.5.4.0" u 20 "$SL_AUTO.10.0" s autokey)
sl_eq "settings" "$r" noError
sl_enroll keep1 keep1.example.com "$SCEP_CHALLENGE" >/dev/null
h1=$(sl_get "$SL_REQ.13.0")
sl_eq "keep1 completed" "$(sl_wait_hist "$h1" 30)" 4
k1=$(sl_key_index keep1)
r=$(sl_set_err "$SL_REQ.1.0" s m11name "$SL_REQ.5.0" s m11.example.com \
    "$SL_REQ.4.0" s "M11 Org" "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_REQ.3.0" u 3072)
sl_eq "manual parameters set, not triggered" "$r" noError
hist_before=$(sl_walk "$H")
spin_before=$(sl_get "$SL_REQ.10.0")

sl_agent_stop
sl_eq "SIGTERM: exit 0" "$?" 0
sl_eq "manual parameters are not saved (M11)" \
    "$(grep -rl -e m11name -e "M11 Org" "$HOOK_DIR/state" 2>/dev/null | wc -l)" 0
if ! sl_agent_start "$HOOK_DIR"; then
    tl_fail "scepagentd starts again"
    tl_summary
    exit 1
fi
sl_eq "URL kept" "$(sl_get "$SL_URL")" "$SCEP_URL"
spin_after=$(sl_get "$SL_REQ.10.0")
# (not 0: a fixed start would be; not the old value: a kept one would be)
if [ -n "$spin_after" ] && [ "$spin_after" != 0 ] && [ "$spin_after" != "$spin_before" ]; then
    tl_pass "scepcReqSpinLock starts from another (pseudo-random) value after a restart"
else
    tl_fail "scepcReqSpinLock starts from another value" "$spin_before -> $spin_after"
fi
sl_eq "timeout kept" "$(sl_get "$SL_TIMEOUTOBJ")" 50
sl_eq "warn days kept" "$(sl_get "$SL_ROOT.1.5.4.0")" 20
sl_eq "auto key name kept" "$(sl_get "$SL_AUTO.10.0")" autokey
sl_eq "CA fingerprint (TOFU) kept" "$(sl_get "$SL_FPR")" "$SCEP_CA_FPR"
hist_after=$(sl_walk "$H")
if [ -n "$hist_before" ] && [ "$hist_before" = "$hist_after" ]; then
    tl_pass "history table identical after the restart"
else
    tl_fail "history table identical after the restart"
fi
sl_eq "scepcHistLastIndex kept" "$(sl_get "$SL_ROOT.1.4.2.0")" "$h1"
sl_eq "key keep1 kept with its index" "$(sl_key_index keep1)" "$k1"
sl_match "key keep1 subject" "$(sl_get "$SL_KEY.7.$k1")" "*CN=keep1.example.com*"
sl_eq "M11: scepcReqKeyName empty" "$(sl_get "$SL_REQ.1.0")" ""
sl_eq "M11: scepcReqCommonName empty" "$(sl_get "$SL_REQ.5.0")" ""
sl_eq "M11: scepcReqOrganization empty" "$(sl_get "$SL_REQ.4.0")" ""
sl_eq "M11: scepcReqKeyLength back to 2048" "$(sl_get "$SL_REQ.3.0")" 2048
sl_eq "M11: scepcReqChallengeSet false" "$(sl_get "$SL_REQ.7.0")" 2
sl_eq "scepcReqLastHistIndex 0 since the start" "$(sl_get "$SL_REQ.13.0")" 0
r=$(sl_enroll keep1 keep1.example.com "$SCEP_CHALLENGE")
sl_eq "trigger for an existing key name still refused" "$r" inconsistentValue
sl_enroll keep2 keep2.example.com "$SCEP_CHALLENGE" >/dev/null
h2=$(sl_get "$SL_REQ.13.0")
sl_eq "history index continues across the restart" "$h2" "$((h1 + 1))"
sl_eq "keep2 completed" "$(sl_wait_hist "$h2" 30)" 4
k2=$(sl_key_index keep2)
if [ -n "$k2" ] && [ "$k2" -gt "$k1" ]; then
    tl_pass "a new key gets a higher index ($k2 > $k1)"
else
    tl_fail "a new key gets a higher index" "k1=$k1 k2=$k2"
fi

# SIGHUP: capacity 7, no restart command, no reload command for tls.
sl_eq "scepcKeyStoreCapacity 10 before" "$(sl_get "$SL_ROOT.1.5.1.0")" 10
r=$(sl_set_err "$SL_REQ.12.0" i 2)
sl_eq "scepcReqRestart with a restart command: accepted" "$r" noError
grep -v -e keyStoreCapacity -e restartCommand -e reloadCommand "$HOOK_DIR/agent.conf" \
    >"$HOOK_DIR/agent.conf.new"
echo "keyStoreCapacity 7" >>"$HOOK_DIR/agent.conf.new"
mv "$HOOK_DIR/agent.conf.new" "$HOOK_DIR/agent.conf"
kill -HUP "$SL_AGENT_PID"
sl_eq "SIGHUP: scepcKeyStoreCapacity 7" "$(sl_wait_value 5 "$SL_ROOT.1.5.1.0" 7)" 7
r=$(sl_set_err "$SL_REQ.12.0" i 2)
sl_eq "SIGHUP: restart command gone, scepcReqRestart inconsistentValue" "$r" inconsistentValue
sl_eq "SIGHUP: hook of usage tls gone (scepcKeyHookConfigured false)" \
    "$(sl_get "$SL_KEY.15.$k1")" 2
echo "thisIsNoKeyword 1" >>"$HOOK_DIR/agent.conf"
sed -i 's/^keyStoreCapacity 7$/keyStoreCapacity 3/' "$HOOK_DIR/agent.conf"
kill -HUP "$SL_AGENT_PID"
# Wait for the agent's word that it refused the file (not a fixed sleep).
_left=50
while [ "$_left" -gt 0 ] && ! grep -q "SIGHUP: .* not applied" "$HOOK_DIR/agent.log"; do
    sleep 0.1
    _left=$((_left - 1))
done
sl_match "SIGHUP with a broken config: refused, logged" "$(cat "$HOOK_DIR/agent.log")" \
    "*SIGHUP: * not applied, the previous configuration stays*"
if tl_alive "$SL_AGENT_PID"; then
    tl_pass "SIGHUP with a broken config: still running"
else
    tl_fail "SIGHUP with a broken config: still running"
fi
sl_eq "SIGHUP with a broken config: capacity stays 7" "$(sl_get "$SL_ROOT.1.5.1.0")" 7
if grep -q "thisIsNoKeyword" "$HOOK_DIR/agent.log"; then
    tl_pass "the broken line is logged"
else
    tl_fail "the broken line is logged"
fi
tl_summary

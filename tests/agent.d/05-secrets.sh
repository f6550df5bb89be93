#!/bin/sh
# 05-secrets.sh - X2: with every Net-SNMP debug token on (-DALL), the manual
# and automatic challenge passwords appear in no log line, no walk, no trap
# and no export; they read back empty; the manual one is never written to
# disk, the automatic one only to a 0600 file of the state directory.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_agent_conf_std "$HOOK_DIR" "exportDir $HOOK_DIR/export"
mkdir -p "$HOOK_DIR/export"
if ! sl_agent_start "$HOOK_DIR" -DALL; then
    tl_fail "scepagentd -DALL starts"
    tl_summary
    exit 1
fi
WRONG=WrongQ4x7Zsecret
AUTOCHAL=AutoZ81kPsecretV
sl_trap_mark
sl_use_server "$SCEP_URL" >/dev/null
r=$(sl_enroll sec1 sec1.example.com "$SCEP_CHALLENGE")
sl_eq "enrollment accepted" "$r" noError
hi=$(sl_get "$SL_REQ.13.0")
sl_eq "enrollment completed" "$(sl_wait_hist "$hi" 30)" 4
r=$(sl_enroll sec2 sec2.example.com "$WRONG")
hi=$(sl_get "$SL_REQ.13.0")
sl_eq "wrong challenge ended in Error" "$(sl_wait_hist "$hi" 30)" 3
r=$(sl_set_err "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_AUTO.15.0" s "$AUTOCHAL")
sl_eq "SET both challenges again (not triggered)" "$r" noError
sl_eq "scepcReqChallenge reads back empty" "$(sl_get "$SL_REQ.6.0")" ""
sl_eq "scepcAutoChallenge reads back empty" "$(sl_get "$SL_AUTO.15.0")" ""
sl_eq "scepcReqChallengeSet true" "$(sl_get "$SL_REQ.7.0")" 1
sl_eq "scepcAutoChallengeSet true" "$(sl_get "$SL_AUTO.16.0")" 1
r=$(sl_set_err "$SL_ROOT.1.6.1.0" s export1.conf "$SL_ROOT.1.6.2.0" i 2)
sl_eq "export the settings" "$r" noError
sl_eq "export successful" "$(sl_wait_value 10 "$SL_ROOT.1.6.3.0" '[34]')" 3
sl_trap_wait 5 "$SL_ROOT.0.3~" >/dev/null
walk=$(sl_walk "$SL_ROOT")
# Everything before is in the log once the agent has logged a SIGHUP it got
# after it (the log pipe of the worker is drained in the same loop).
kill -HUP "$SL_AGENT_PID"
sl_wait_log 10 "$HOOK_DIR/agent.log" 'SIGHUP: .* re-read'
sl_match "the agent logged the SIGHUP" "$(grep -c 'SIGHUP: .* re-read' "$HOOK_DIR/agent.log")" \
    "[1-9]*"

# The debug output is really on (else this test proves nothing).
nlines=$(wc -l <"$HOOK_DIR/agent.log")
if [ "$nlines" -gt 200 ] && grep -q 'agentx' "$HOOK_DIR/agent.log"; then
    tl_pass "-DALL debug output is in the log ($nlines lines)"
else
    tl_fail "-DALL debug output is in the log" "$nlines lines"
fi
for secret in "$SCEP_CHALLENGE" "$WRONG" "$AUTOCHAL"; do
    what=manual
    [ "$secret" = "$WRONG" ] && what="wrong manual"
    [ "$secret" = "$AUTOCHAL" ] && what=automatic
    # Also in hex, as a debug dump of a PDU would show it.
    hex=$(printf '%s' "$secret" | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')
    hexsp=$(printf '%s' "$secret" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//' |
        tr 'a-f' 'A-F')
    found=
    for f in "$HOOK_DIR/agent.log" "$HOOK_DIR/agent.out"; do
        if grep -qF -- "$secret" "$f" || grep -qiF -- "$hex" "$f" ||
            grep -qiF -- "$hexsp" "$f"; then
            found="$found $(basename "$f")"
        fi
    done
    # Where it leaked: the debug token at the start of the line (or the one before).
    where=$(grep -n -i -F -e "$secret" -e "$hex" -e "$hexsp" "$HOOK_DIR/agent.log" |
        head -n 40 | while IFS=: read -r n _rest; do
            sed -n "$((n - 2)),${n}p" "$HOOK_DIR/agent.log" | grep -o '^[a-z_]*:' | tail -n 1
        done | sort -u | tr '\n' ' ')
    sl_eq "$what challenge in no agent log line (plain or hex)" "$found" "" 
    [ -z "$found" ] || echo "  leaked by the debug tokens: $where"
    sl_eq "$what challenge not in the walk" "$(printf '%s\n' "$walk" | grep -cF -- "$secret")" 0
    sl_eq "$what challenge in no trap line" "$(sl_traps_since | grep -cF -- "$secret")" 0
    sl_eq "$what challenge in no export file" \
        "$(grep -rlF -- "$secret" "$HOOK_DIR/export" 2>/dev/null | wc -l)" 0
    sl_eq "$what challenge not in the key store" \
        "$(grep -rlF -- "$secret" "$HOOK_DIR/keys" 2>/dev/null | wc -l)" 0
done
for secret in "$SCEP_CHALLENGE" "$WRONG"; do
    sl_eq "manual challenge never saved in the state directory" \
        "$(grep -rlF -- "$secret" "$HOOK_DIR/state" 2>/dev/null | wc -l)" 0
done
f=$(grep -rlF -- "$AUTOCHAL" "$HOOK_DIR/state" 2>/dev/null)
if [ -n "$f" ] && [ "$(printf '%s\n' "$f" | wc -l)" = 1 ]; then
    sl_eq "automatic challenge saved in one file of mode 0600" "$(stat -c %a "$f")" 600
else
    tl_fail "automatic challenge saved in one file of mode 0600" "files: '$f'"
fi
tl_summary

#!/bin/sh
# 20-nagios.sh - issue 11 item 5: the check_snmp recipe of the README
# (Debian monitoring-plugins-standard) against a running agent: SNMPv3
# authPriv (read-only user), scepcKeyStoreMinDays and one key's
# scepcKeyCertDaysLeft with the documented thresholds -w 30: -c 7: (OK for a
# certificate with about a year left), then thresholds on either side of the
# value read by snmpget: WARNING (exit 1) and CRITICAL (exit 2); the value is
# in the plugin's output and perfdata.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
CHECK=/usr/lib/nagios/plugins/check_snmp
if [ ! -x "$CHECK" ]; then
    tl_fail "check_snmp is installed (Debian: monitoring-plugins-standard)"
    tl_summary
    exit 1
fi
sl_hook_start
sl_use_server "$SCEP_URL" >/dev/null
sl_eq "enroll nag1" "$(sl_enroll nag1 nag1.example.com "$SCEP_CHALLENGE" 2048 2)" noError
sl_eq "  completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 60)" 4
ki=$(sl_key_index nag1)
MIN=$SL_ROOT.1.5.3.0
DAYS=$SL_KEY.12.$ki

# check OID WARN CRIT: run check_snmp as the README shows; prints the exit
# status and the output line.
check()
{
    "$CHECK" -H 127.0.0.1 -p "$SL_PORT" -P 3 -L authPriv -U "$SL_RO_USER" -a SHA \
        -A "$SL_RO_AUTH" -x AES -X "$SL_RO_PRIV" -o "$1" -w "$2" -c "$3" -t 10 >"$HOOK_DIR/out" 2>&1
    echo "$? $(head -n 1 "$HOOK_DIR/out")"
}

# A certificate issued a moment ago for 365 days crosses from 365 to 364
# days left within its first seconds (notAfter is whole seconds): wait
# until the value is the same twice, a second apart; the next boundary is a
# day away.
v0=$(sl_get "$MIN")
while sleep 1 && v1=$(sl_get "$MIN") && [ "$v1" != "$v0" ]; do
    v0=$v1
done
for oid in "$MIN" "$DAYS"; do
    what=scepcKeyStoreMinDays
    [ "$oid" = "$DAYS" ] && what="scepcKeyCertDaysLeft.$ki (nag1)"
    v=$(sl_get "$oid")
    r=$(check "$oid" 30: 7:)
    sl_match "$what = $v: -w 30: -c 7: is OK (0)" "$r" "0 SNMP OK - $v *"
    sl_match "  perfdata carries the value" "$r" "*=$v;30:;7:*"
    r=$(check "$oid" "$((v + 2)):" 7:)
    sl_match "$what: -w $((v + 2)): (above the value) is WARNING (1)" "$r" "1 SNMP WARNING - *$v*"
    r=$(check "$oid" "$((v + 4)):" "$((v + 2)):")
    sl_match "$what: -c $((v + 2)): (above the value) is CRITICAL (2)" "$r" \
        "2 SNMP CRITICAL - *$v*"
done
sl_agent_stop
tl_summary

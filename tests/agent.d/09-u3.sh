#!/bin/sh
# 09-u3.sh - U3: the SNMP thread never waits on key generation or HTTP: 50
# `snmpget -t 1 -r 0` while an RSA-4096 enrollment runs, none times out.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start
sl_use_server "$SCEP_URL" >/dev/null
r=$(sl_enroll big1 big1.example.com "$SCEP_CHALLENGE" 4096)
sl_eq "RSA-4096 enrollment triggered" "$r" noError
hi=$(sl_get "$SL_REQ.13.0")
fails=0
during=0
i=0
while [ "$i" -lt 50 ]; do
    i=$((i + 1))
    v=$(snmpget -m '' -On -Oqv -t 1 -r 0 -v3 -l authPriv -u "$SL_ADMIN_USER" -a SHA \
        -A "$SL_ADMIN_AUTH" -x AES -X "$SL_ADMIN_PRIV" "127.0.0.1:$SL_PORT" "$SL_HIST.4.$hi" \
        2>&1)
    case "$v" in
    2) during=$((during + 1)) ;;
    [1-4]) ;;
    *) fails=$((fails + 1)) ;;
    esac
done
sl_eq "50 GETs during the enrollment: none timed out" "$fails" 0
if [ "$during" -gt 0 ]; then
    tl_pass "$during of them saw the row In progress (the test overlapped the work)"
else
    tl_fail "the GETs overlapped the enrollment" "the row was never In progress"
fi
sl_eq "the enrollment completed" "$(sl_wait_hist "$hi" 60)" 4
ki=$(sl_key_index big1)
sl_eq "key length 4096" "$(sl_get "$SL_KEY.5.${ki:-0}")" 4096
tl_summary

#!/bin/sh
# 03-access.sh - X1: writes only through a read-write VACM view. The same
# SET over v2c (community public, read-only) and by the SNMPv3 user
# "reader" (authPriv, rouser: no write view) is refused by snmpd's VACM,
# the value does not change, and both can read. An unknown v3 user is a
# different refusal (not VACM).
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start

v2()
{
    "$1" -m '' -On -t 3 -r 0 -v2c -c public "127.0.0.1:$SL_PORT" "$@" 2>&1
}
ro()
{
    _c=$1
    shift
    "$_c" -m '' -On -t 3 -r 0 -v3 -l authPriv -u "$SL_RO_USER" -a SHA -A "$SL_RO_AUTH" \
        -x AES -X "$SL_RO_PRIV" "127.0.0.1:$SL_PORT" "$@"
}
v2set()
{
    snmpset -m '' -On -t 3 -r 0 -v2c -c public "127.0.0.1:$SL_PORT" "$@"
}
roset()
{
    ro snmpset "$@"
}

r=$(sl_set_err "$SL_URL" s "$SCEP_URL" "$SL_TIMEOUTOBJ" u 40)
sl_eq "admin (v3 authPriv, rwuser) may SET" "$r" noError

# Reads.
got=$(snmpget -m '' -On -Oqv -t 3 -r 0 -v2c -c public "127.0.0.1:$SL_PORT" "$SL_TIMEOUTOBJ" 2>&1)
sl_eq "v2c public reads scepcServerTimeout" "$got" 40
got=$(ro snmpget -Oqv "$SL_TIMEOUTOBJ" 2>&1)
sl_eq "v3 reader reads scepcServerTimeout" "$got" 40
n=$(snmpwalk -m '' -On -t 3 -r 0 -v2c -c public "127.0.0.1:$SL_PORT" "$SL_ROOT" 2>/dev/null | wc -l)
if [ "$n" -gt 50 ]; then
    tl_pass "v2c public walks the MIB ($n lines)"
else
    tl_fail "v2c public walks the MIB" "$n lines"
fi

before=$(sl_walk)
# The same SETs by the read-only principals.
for spec in "$SL_TIMEOUTOBJ u 41" "$SL_URL s http://192.0.2.1/scep" "$SL_NOTIFY x 00" \
    "$SL_REQ.1.0 s sneaky" "$SL_AUTO.1.0 i 2"; do
    # shellcheck disable=SC2086 # OID TYPE VALUE
    r=$(sl_reason v2set $spec)
    sl_eq "v2c public SET $(echo "$spec" | cut -d' ' -f1 | sed "s/^$SL_ROOT/root/") refused" "$r" noAccess
    # shellcheck disable=SC2086
    r=$(sl_reason roset $spec)
    sl_eq "v3 reader SET $(echo "$spec" | cut -d' ' -f1 | sed "s/^$SL_ROOT/root/") refused" "$r" noAccess
done
# A whole enrollment PDU by each of them.
r=$(sl_reason v2set "$SL_REQ.1.0" s x1 "$SL_REQ.5.0" s x1.example.com \
    "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_REQ.11.0" i 2)
sl_eq "v2c public enrollment PDU refused" "$r" noAccess
r=$(sl_reason roset "$SL_REQ.1.0" s x1 "$SL_REQ.5.0" s x1.example.com \
    "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_REQ.11.0" i 2)
sl_eq "v3 reader enrollment PDU refused" "$r" noAccess
after=$(sl_walk)
if [ "$before" = "$after" ]; then
    tl_pass "nothing changed (walk identical, no history row)"
else
    tl_fail "nothing changed (walk identical, no history row)"
fi
sl_eq "scepcHistLastIndex still 0" "$(sl_get "$SL_ROOT.1.4.2.0")" 0

# Not VACM: an unknown user is refused before any view is consulted.
out=$(snmpset -m '' -On -t 3 -r 0 -v3 -l authPriv -u nobody -a SHA -A nobodypass1 -x AES \
    -X nobodypass1 "127.0.0.1:$SL_PORT" "$SL_TIMEOUTOBJ" u 42 2>&1)
sl_match "unknown v3 user: Unknown user name" "$out" "*nknown user name*"
# The reader without privacy: below the level its rouser line requires.
nopriv()
{
    snmpset -m '' -On -t 3 -r 0 -v3 -l authNoPriv -u "$SL_RO_USER" -a SHA -A "$SL_RO_AUTH" \
        "127.0.0.1:$SL_PORT" "$@"
}
r=$(sl_reason nopriv "$SL_TIMEOUTOBJ" u 42)
sl_eq "reader with authNoPriv: SET refused" "$r" authorizationError
sl_eq "scepcServerTimeout unchanged" "$(sl_get "$SL_TIMEOUTOBJ")" 40
r=$(sl_set_err "$SL_TIMEOUTOBJ" u 42)
sl_eq "admin still may SET" "$r" noError
tl_summary

#!/bin/sh
# 02-u2.sh - U2: every writable object of SCEP-CLIENT-MIB refuses a wrong
# type, a wrong length, a value out of range and (where the MIB says so) an
# inconsistent state with the error its DESCRIPTION names, and a walk of
# the MIB is byte-identical before and after each refused SET. A PDU with
# one bad varbind among good ones changes nothing.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start

long()
{
    head -c "$1" /dev/zero | tr '\0' "${2:-a}"
}
S=$SL_ROOT.1.1
R=$SL_REQ
A=$SL_AUTO

# A baseline that is not all defaults: a server, a key (the default key
# "main", so its row can be tested), parameters that a bad SET could reset.
sl_use_server "$SCEP_URL" >/dev/null
r=$(sl_enroll main main.example.com "$SCEP_CHALLENGE")
sl_eq "baseline: enroll the default key" "$r" noError
st=$(sl_wait_hist "$(sl_get "$R.13.0")" 30)
sl_eq "baseline: enrollment completed" "$st" 4
r=$(sl_set_err "$R.1.0" s web "$R.5.0" s web.example.com "$R.4.0" s "Example Org" \
    "$R.9.0" s office "$A.10.0" s autokey "$A.14.0" s auto.example.com \
    "$SL_ROOT.1.6.1.0" s saved.conf)
sl_eq "baseline: parameters" "$r" noError
KI=$(sl_key_index main)
[ -n "$KI" ] || KI=1
base=$(sl_walk)
printf '%s\n' "$base" >"$HOOK_DIR/walk.base"
ncases=0

# u2 NAME WANT OID TYPE VALUE [OID TYPE VALUE...]
u2()
{
    _name=$1
    _want=$2
    shift 2
    _got=$(sl_set_err "$@")
    _now=$(sl_walk)
    ncases=$((ncases + 1))
    if [ "$_got" != "$_want" ]; then
        tl_fail "$_name" "got $_got, wanted $_want"
    elif [ "$_now" != "$base" ]; then
        printf '%s\n' "$_now" >"$HOOK_DIR/walk.now"
        tl_fail "$_name" "$_want, but the walk changed: $(diff "$HOOK_DIR/walk.base" \
            "$HOOK_DIR/walk.now" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
        base=$_now
        printf '%s\n' "$base" >"$HOOK_DIR/walk.base"
    else
        tl_pass "$_name: $_want"
    fi
}

# --- scepcSettings
u2 "scepcServerUrl INTEGER" wrongType "$S.1.0" i 1
u2 "scepcServerUrl 256 octets" wrongLength "$S.1.0" s "http://$(long 249)"
u2 "scepcServerUrl ftp://" wrongValue "$S.1.0" s "ftp://ca.example.com/scep"
u2 "scepcServerUrl no host" wrongValue "$S.1.0" s "http:///scep"
u2 "scepcServerUrl with a #fragment" wrongValue "$S.1.0" s "http://ca.example.com/scep#x"
u2 "scepcServerPort OCTET STRING" wrongType "$S.2.0" s 80
u2 "scepcServerPort INTEGER" wrongType "$S.2.0" i 80
u2 "scepcServerPort 65536" wrongValue "$S.2.0" u 65536
u2 "scepcServerTimeout INTEGER" wrongType "$S.3.0" i 30
u2 "scepcServerTimeout 0" wrongValue "$S.3.0" u 0
u2 "scepcServerTimeout 301" wrongValue "$S.3.0" u 301
u2 "scepcCaFingerprintPin INTEGER" wrongType "$S.4.0" i 1
u2 "scepcCaFingerprintPin 63 octets" wrongLength "$S.4.0" s "$(long 63 b)"
u2 "scepcCaFingerprintPin 96 octets" wrongLength "$S.4.0" s "$(long 96 b)"
u2 "scepcCaFingerprintPin 64 non-hex" wrongValue "$S.4.0" s "$(long 64 z)"
u2 "scepcCaFingerprintPin 95 without colons" wrongValue "$S.4.0" s "$(long 95 a)"
u2 "scepcCaFingerprint read-only" notWritable "$S.5.0" s "$(long 64 a)"
u2 "scepcLocalTime read-only" notWritable "$S.6.0" x 07E9010100000000

# --- scepcRequest
u2 "scepcReqKeyName INTEGER" wrongType "$R.1.0" i 1
u2 "scepcReqKeyName 33 octets" wrongLength "$R.1.0" s "$(long 33)"
u2 "scepcReqKeyName leading dot" wrongValue "$R.1.0" s ".hidden"
u2 "scepcReqKeyName slash" wrongValue "$R.1.0" s "a/b"
u2 "scepcReqSigHash Unsigned32" wrongType "$R.2.0" u 2
u2 "scepcReqSigHash 0" wrongValue "$R.2.0" i 0
u2 "scepcReqSigHash 5" wrongValue "$R.2.0" i 5
u2 "scepcReqKeyLength INTEGER" wrongType "$R.3.0" i 2048
u2 "scepcReqKeyLength 2047" wrongValue "$R.3.0" u 2047
u2 "scepcReqKeyLength 8192" wrongValue "$R.3.0" u 8192
u2 "scepcReqOrganization INTEGER" wrongType "$R.4.0" i 1
u2 "scepcReqOrganization 65 octets" wrongLength "$R.4.0" s "$(long 65)"
u2 "scepcReqCommonName INTEGER" wrongType "$R.5.0" i 1
u2 "scepcReqCommonName 65 octets" wrongLength "$R.5.0" s "$(long 65)"
u2 "scepcReqCommonName not a host" wrongValue "$R.5.0" s "bad host!"
u2 "scepcReqChallenge INTEGER" wrongType "$R.6.0" i 1
u2 "scepcReqChallenge 256 octets" wrongLength "$R.6.0" s "$(long 256)"
u2 "scepcReqChallengeSet read-only" notWritable "$R.7.0" i 1
u2 "scepcReqUsage Unsigned32" wrongType "$R.8.0" u 2
u2 "scepcReqUsage 0" wrongValue "$R.8.0" i 0
u2 "scepcReqUsage 5" wrongValue "$R.8.0" i 5
u2 "scepcReqIpsecPolicy INTEGER" wrongType "$R.9.0" i 1
u2 "scepcReqIpsecPolicy 65 octets" wrongLength "$R.9.0" s "$(long 65)"
u2 "scepcReqIpsecPolicy not configured" inconsistentValue "$R.9.0" s nosuchpolicy
spin=$(sl_get "$R.10.0")
u2 "scepcReqSpinLock Unsigned32" wrongType "$R.10.0" u "$spin"
u2 "scepcReqSpinLock -1" wrongValue "$R.10.0" i -1
u2 "scepcReqSpinLock stale value" inconsistentValue "$R.10.0" i "$((spin + 1))"
u2 "scepcReqTrigger Unsigned32" wrongType "$R.11.0" u 2
u2 "scepcReqTrigger 0" wrongValue "$R.11.0" i 0
u2 "scepcReqTrigger 3" wrongValue "$R.11.0" i 3
u2 "scepcReqTrigger: the key exists" inconsistentValue "$R.1.0" s main "$R.11.0" i 2
u2 "scepcReqTrigger: no key name" inconsistentValue "$R.1.0" s "" "$R.11.0" i 2
u2 "scepcReqTrigger: no common name" inconsistentValue "$R.5.0" s "" "$R.11.0" i 2
u2 "scepcReqTrigger: no server URL" inconsistentValue "$S.1.0" s "" "$R.11.0" i 2
u2 "scepcReqTrigger: ipsec without a configured policy" inconsistentValue \
    "$R.8.0" i 3 "$R.9.0" s "" "$R.11.0" i 2
u2 "scepcReqTrigger: stale spin lock in the PDU" inconsistentValue \
    "$R.10.0" i "$((spin + 5))" "$R.11.0" i 2
u2 "scepcReqRestart Unsigned32" wrongType "$R.12.0" u 2
u2 "scepcReqRestart 3" wrongValue "$R.12.0" i 3
u2 "scepcReqLastHistIndex read-only" notWritable "$R.13.0" u 5

# --- scepcAuto
truth()
{
    u2 "$1 OCTET STRING" wrongType "$2" s 1
    u2 "$1 0" wrongValue "$2" i 0
    u2 "$1 3" wrongValue "$2" i 3
}
truth scepcAutoEnable "$A.1.0"
u2 "scepcAutoEnable true: incomplete (no URL in the PDU's state)" inconsistentValue \
    "$A.1.0" i 1 "$S.1.0" s ""
u2 "scepcAutoEnable true: no auto key name" inconsistentValue "$A.1.0" i 1 "$A.10.0" s ""
u2 "scepcAutoEnable true: no auto CN" inconsistentValue "$A.1.0" i 1 "$A.14.0" s ""
u2 "scepcAutoEnable true: ipsec without policy" inconsistentValue "$A.1.0" i 1 \
    "$A.17.0" i 3 "$A.18.0" s ""
u2 "scepcAutoStartTime INTEGER" wrongType "$A.2.0" i 1
u2 "scepcAutoStartTime 4 octets" wrongLength "$A.2.0" x 07E90101
u2 "scepcAutoStartTime 9 octets" wrongLength "$A.2.0" x 07E9010100000000FF
u2 "scepcAutoStartTime month 13" wrongValue "$A.2.0" x 07E90D0100000000
u2 "scepcAutoStartTime hour 24" wrongValue "$A.2.0" x 07E9010118000000
u2 "scepcAutoStartTime 30 February" wrongValue "$A.2.0" x 07EA021E00000000
u2 "scepcAutoStartTime 29 February 2027" wrongValue "$A.2.0" x 07EB021D00000000
u2 "scepcAutoOrganization control character" wrongValue "$A.13.0" x 41094243
truth scepcAutoJitterEnable "$A.3.0"
u2 "scepcAutoPollCount INTEGER" wrongType "$A.4.0" i 3
u2 "scepcAutoPollCount 1001" wrongValue "$A.4.0" u 1001
u2 "scepcAutoPollInterval INTEGER" wrongType "$A.5.0" i 300
u2 "scepcAutoPollInterval 0" wrongValue "$A.5.0" u 0
u2 "scepcAutoPollInterval 86401" wrongValue "$A.5.0" u 86401
u2 "scepcAutoInterval INTEGER" wrongType "$A.6.0" i 60
u2 "scepcAutoInterval 1" wrongValue "$A.6.0" u 1
u2 "scepcAutoInterval 59" wrongValue "$A.6.0" u 59
truth scepcAutoRestart "$A.7.0"
truth scepcAutoDeletePrevious "$A.8.0"
u2 "scepcAutoRenewBeforeDays INTEGER" wrongType "$A.9.0" i 1
u2 "scepcAutoRenewBeforeDays 3651" wrongValue "$A.9.0" u 3651
u2 "scepcAutoKeyName INTEGER" wrongType "$A.10.0" i 1
u2 "scepcAutoKeyName 33 octets" wrongLength "$A.10.0" s "$(long 33)"
u2 "scepcAutoKeyName bad characters" wrongValue "$A.10.0" s "a b"
u2 "scepcAutoSigHash Unsigned32" wrongType "$A.11.0" u 2
u2 "scepcAutoSigHash 5" wrongValue "$A.11.0" i 5
u2 "scepcAutoKeyLength INTEGER" wrongType "$A.12.0" i 2048
u2 "scepcAutoKeyLength 1000" wrongValue "$A.12.0" u 1000
u2 "scepcAutoOrganization INTEGER" wrongType "$A.13.0" i 1
u2 "scepcAutoOrganization 65 octets" wrongLength "$A.13.0" s "$(long 65)"
u2 "scepcAutoCommonName INTEGER" wrongType "$A.14.0" i 1
u2 "scepcAutoCommonName 65 octets" wrongLength "$A.14.0" s "$(long 65)"
u2 "scepcAutoCommonName not a host" wrongValue "$A.14.0" s "under_score!"
u2 "scepcAutoChallenge INTEGER" wrongType "$A.15.0" i 1
u2 "scepcAutoChallenge 256 octets" wrongLength "$A.15.0" s "$(long 256)"
u2 "scepcAutoChallengeSet read-only" notWritable "$A.16.0" i 1
u2 "scepcAutoUsage Unsigned32" wrongType "$A.17.0" u 1
u2 "scepcAutoUsage 0" wrongValue "$A.17.0" i 0
u2 "scepcAutoUsage 5" wrongValue "$A.17.0" i 5
u2 "scepcAutoIpsecPolicy INTEGER" wrongType "$A.18.0" i 1
u2 "scepcAutoIpsecPolicy 65 octets" wrongLength "$A.18.0" s "$(long 65)"
u2 "scepcAutoIpsecPolicy not configured" inconsistentValue "$A.18.0" s nosuchpolicy
u2 "scepcAutoOperStatus read-only" notWritable "$A.19.0" i 1

# --- scepcKeyStore
W=$SL_ROOT.1.5.4.0
u2 "scepcKeyStoreWarnDays INTEGER" wrongType "$W" i 30
u2 "scepcKeyStoreWarnDays 0" wrongValue "$W" u 0
u2 "scepcKeyStoreWarnDays 366" wrongValue "$W" u 366
u2 "scepcKeyStoreCapacity read-only" notWritable "$SL_ROOT.1.5.1.0" u 5
KA=$SL_KEY.16.$KI
u2 "scepcKeyAction OCTET STRING" wrongType "$KA" s 2
u2 "scepcKeyAction 0" wrongValue "$KA" i 0
u2 "scepcKeyAction 3" wrongValue "$KA" i 3
u2 "scepcKeyAction delete of the default key" inconsistentValue "$KA" i 2
u2 "scepcKeyName column read-only" notWritable "$SL_KEY.2.$KI" s other

# --- scepcConfigCopy
C=$SL_ROOT.1.6
u2 "scepcCfgFileName INTEGER" wrongType "$C.1.0" i 1
u2 "scepcCfgFileName 256 octets" wrongLength "$C.1.0" s "$(long 256)"
u2 "scepcCfgFileName with /" wrongValue "$C.1.0" s "../etc/passwd"
u2 "scepcCfgFileName with .." wrongValue "$C.1.0" s "a..b"
u2 "scepcCfgAction OCTET STRING" wrongType "$C.2.0" s 2
u2 "scepcCfgAction 0" wrongValue "$C.2.0" i 0
u2 "scepcCfgAction 4" wrongValue "$C.2.0" i 4
u2 "scepcCfgAction export with no file name" inconsistentValue "$C.1.0" s "" "$C.2.0" i 2
u2 "scepcCfgState read-only" notWritable "$C.3.0" i 1

# --- scepcNotifyCtl
u2 "scepcNotifyEnable INTEGER" wrongType "$SL_NOTIFY" i 1
u2 "scepcNotifyEnable 2 octets" wrongLength "$SL_NOTIFY" x F800
u2 "scepcNotifyEnable bit 5" wrongValue "$SL_NOTIFY" x 04

# --- all-or-nothing: one bad varbind among good ones
u2 "PDU: good settings + bad port" wrongValue "$S.1.0" s "http://192.0.2.1/scep" \
    "$S.3.0" u 60 "$S.2.0" u 70000
u2 "PDU: good parameters + bad CN" wrongValue "$R.1.0" s other "$R.4.0" s "Other Org" \
    "$R.5.0" s "bad host!"
u2 "PDU: good auto + warn days + bad policy (RESERVE2)" inconsistentValue \
    "$A.4.0" u 9 "$W" u 10 "$SL_NOTIFY" x 00 "$R.9.0" s nosuchpolicy
u2 "PDU: good parameters + trigger refused" inconsistentValue \
    "$R.1.0" s fresh "$R.5.0" s fresh.example.com "$R.10.0" i "$spin" "$S.1.0" s "" \
    "$R.11.0" i 2
u2 "PDU: good settings + read-only object" notWritable "$S.3.0" u 77 "$S.5.0" s x
u2 "PDU: warn days + delete of the default key" inconsistentValue "$W" u 12 "$KA" i 2

# Nothing was queued by the refused triggers.
sl_eq "no history row added by the refused SETs" "$(sl_get "$SL_ROOT.1.4.2.0")" \
    "$(sl_get "$R.13.0")"
echo "$ncases SET cases"
# A control: the same kind of PDU, all good, does change things.
r=$(sl_set_err "$S.3.0" u 60 "$W" u 10)
sl_eq "control: a good PDU is accepted" "$r" noError
sl_eq "control: and applied" "$(sl_get "$S.3.0") $(sl_get "$W")" "60 10"
tl_summary

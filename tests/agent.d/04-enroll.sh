#!/bin/sh
# 04-enroll.sh - end to end with the Debian scepserver: one v3 authPriv SET
# PDU (spin lock, name, CN, challenge, usage, trigger) -> history row
# Completed -> key store row with the subject -> scepcCertObtained with the
# right varbinds (instance = key index). Wrong challenge -> Error,
# failInfoBadRequest, scepcEnrollFailed. A cleared scepcNotifyEnable bit
# suppresses its notification.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start

H=$SL_HIST
K=$SL_KEY
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"
sl_use_server "$SCEP_URL" >/dev/null

# The challenge alone: write-only in effect.
r=$(sl_set_err "$SL_REQ.6.0" s "$SCEP_CHALLENGE")
sl_eq "SET scepcReqChallenge" "$r" noError
sl_eq "scepcReqChallenge reads back empty" "$(sl_get "$SL_REQ.6.0")" ""
sl_eq "scepcReqChallengeSet true" "$(sl_get "$SL_REQ.7.0")" 1

sl_trap_mark
spin=$(sl_get "$SL_REQ.10.0")
r=$(sl_set_err "$SL_REQ.10.0" i "$spin" "$SL_REQ.1.0" s web1 "$SL_REQ.5.0" s web1.example.com \
    "$SL_REQ.4.0" s "Example Org" "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_REQ.8.0" i 2 \
    "$SL_REQ.11.0" i 2)
sl_eq "one PDU: spin lock, name, CN, O, challenge, usage tls, trigger" "$r" noError
sl_eq "the spin lock was incremented" "$(sl_get "$SL_REQ.10.0")" "$((spin + 1))"
hi=$(sl_get "$SL_REQ.13.0")
sl_match "scepcReqLastHistIndex names the row" "$hi" "[1-9]*"
sl_eq "scepcHistLastIndex is that row" "$(sl_get "$SL_ROOT.1.4.2.0")" "$hi"
sl_eq "the challenge is wiped after the trigger" "$(sl_get "$SL_REQ.7.0")" 2
st=$(sl_wait_hist "$hi" 30)
sl_eq "history row Completed" "$st" 4
sl_eq "row key name" "$(sl_get "$H.2.$hi")" web1
sl_eq "row source manual" "$(sl_get "$H.3.$hi")" 1
sl_eq "row detail noError" "$(sl_get "$H.5.$hi")" 1
sl_eq "row HTTP status 200" "$(sl_get "$H.6.$hi")" 200
sl_eq "row failInfo none" "$(sl_get "$H.7.$hi")" 1
sl_eq "row error text empty" "$(sl_get "$H.8.$hi")" ""
sl_match "row transactionID (hex)" "$(sl_get "$H.9.$hi")" "[0-9A-Fa-f][0-9A-Fa-f]*"
sl_match "row completion time set" "$(sl_getn "$H.12.$hi")" "*Hex-STRING: ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? "
sl_match "row request time set" "$(sl_getn "$H.11.$hi")" "*Hex-STRING: ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? "

ki=$(sl_key_index web1)
if [ -n "$ki" ]; then
    tl_pass "key store row for web1 (index $ki)"
else
    tl_fail "key store row for web1" "$(sl_walk "$K.2")"
    ki=0
fi
sl_match "key subject" "$(sl_get "$K.7.$ki")" "*CN=web1.example.com*"
sl_match "key subject has O" "$(sl_get "$K.7.$ki")" "*O=Example Org*"
sl_match "key issuer is the CA" "$(sl_get "$K.8.$ki")" "?*"
sl_eq "key usage tls" "$(sl_get "$K.3.$ki")" 2
sl_eq "key length 2048" "$(sl_get "$K.5.$ki")" 2048
sl_eq "certificate valid" "$(sl_get "$K.6.$ki")" 2
sl_eq "not the default key" "$(sl_get "$K.14.$ki")" 2
sl_eq "hook configured (reloadCommand tls)" "$(sl_get "$K.15.$ki")" 1
sl_eq "scepcKeyAction reads idle" "$(sl_get "$K.16.$ki")" 1
sl_eq "scepcKeyStoreCount 1" "$(sl_get "$SL_ROOT.1.5.2.0")" 1
# Both are days left "now": read them in one PDU, and again if a day boundary
# fell between the two varbinds (it can fall at most once in three reads).
for _try in 1 2 3; do
    both=$(sl_get "$K.12.$ki" "$SL_ROOT.1.5.3.0" | tr '\n' ' ')
    days=${both%% *} min=${both#* }
    min=${min%% *}
    [ -n "$days" ] && [ "$days" = "$min" ] && break
done
sl_eq "scepcKeyStoreMinDays = days left of the only key" "$min" "$days"
sl_eq "CA fingerprint recorded on first use" "$(sl_get "$SL_FPR")" "$SCEP_CA_FPR"
# Issue 9: a mistyped pin that is cleared again leaves the fingerprint that
# was really seen, not the typo (which would make every request fail).
typo=0000000000000000000000000000000000000000000000000000000000000001
sl_eq "SET a mistyped pin" "$(sl_set_err "$SL_PIN" s "$typo")" noError
sl_eq "  scepcCaFingerprint shows the pin" "$(sl_get "$SL_FPR")" "$typo"
sl_eq "clear the pin" "$(sl_set_err "$SL_PIN" s "")" noError
sl_eq "  scepcCaFingerprint is the one seen, not the typo" "$(sl_get "$SL_FPR")" \
    "$SCEP_CA_FPR"
# The MIB: 32 upper-case hex octets with colons, as openssl prints it.
crt=$(ls "$HOOK_DIR"/keys/web1*.crt "$HOOK_DIR"/keys/web1*/*.crt 2>/dev/null | head -n 1)
sha=$(openssl x509 -in "$crt" -noout -fingerprint -sha256 2>/dev/null | sed 's/^[^=]*=//')
sl_eq "scepcKeyCertSha256 = fingerprint of the stored certificate" "$(sl_get "$K.13.$ki")" \
    "${sha:-no certificate file in $HOOK_DIR/keys}"
ser=$(openssl x509 -in "$crt" -noout -serial 2>/dev/null | sed 's/^serial=//; s/../&:/g; s/:$//')
sl_eq "scepcKeyCertSerial = serial of the stored certificate" "$(sl_get "$K.9.$ki")" "$ser"

line=$(sl_trap_wait 10 "$TRAPOID.4~")
if [ -n "$line" ]; then
    tl_pass "scepcCertObtained received"
else
    tl_fail "scepcCertObtained received" "$(sl_traps_since | tail -n 3)"
fi
sl_match "  scepcKeyName.$ki" "$line" "*~ $K.2.$ki = STRING: \"web1\"*"
sl_match "  scepcKeyUsage.$ki" "$line" "*~ $K.3.$ki = INTEGER: 2*"
sl_match "  scepcKeyCertSubject.$ki" "$line" "*~ $K.7.$ki = STRING: \"*CN=web1.example.com*"
sl_match "  scepcKeyCertSerial.$ki" "$line" "*~ $K.9.$ki = STRING: *"
sl_match "  scepcKeyCertNotAfter.$ki" "$line" "*~ $K.11.$ki = Hex-STRING: *"
nvb=$(printf '%s\n' "$line" | tr '~' '\n' | grep -c ' = ')
sl_eq "  exactly sysUpTime, snmpTrapOID and the 5 OBJECTS" "$nvb" 7
sl_eq "no other notification for a success" "$(sl_traps_since | grep -c "$SL_ROOT\.0\.")" 1
hooks=$(cat "$HOOK_DIR/hooks.log" 2>/dev/null)
sl_match "reload command of usage tls ran" "$hooks" "*reload tls key=web1 cert=*web1*"
sl_match "restart command ran after the manual enrollment" "$hooks" "*restart key=web1 usage=tls*"

# Wrong challenge.
sl_trap_mark
r=$(sl_enroll bad1 bad1.example.com wrong-challenge-1)
sl_eq "trigger with a wrong challenge is accepted (checked by the server)" "$r" noError
hi=$(sl_get "$SL_REQ.13.0")
st=$(sl_wait_hist "$hi" 30)
sl_eq "wrong challenge: row Error" "$st" 3
sl_eq "  detail failInfoBadRequest(8)" "$(sl_get "$H.5.$hi")" 8
sl_eq "  failInfo badRequest(4) (RFC 8894 failInfo 2)" "$(sl_get "$H.7.$hi")" 4
sl_eq "  HTTP status 200" "$(sl_get "$H.6.$hi")" 200
sl_match "  error text" "$(sl_get "$H.8.$hi")" "Communication error (SCEP ERROR Fail Info 2)*"
sl_eq "  no key row" "$(sl_key_index bad1)" ""
# Issue 11: one log line per outcome (key name, detail, server host,
# duration); certificate times as ISO 8601 dates.
host=${SCEP_URL#http://}
host=${host%%/*}
sl_wait_log 5 "$HOOK_DIR/agent.log" "request $hi for \"bad1\": "
sl_match "log: the failed request's outcome line" \
    "$(grep "request $hi for \"bad1\": " "$HOOK_DIR/agent.log")" \
    "manual request $hi for \"bad1\": Communication error (SCEP ERROR Fail Info 2)*, server $host, [0-9]*.[0-9][0-9] s"
sl_match "log: the completed request's outcome line" \
    "$(grep 'for "web1": completed' "$HOOK_DIR/agent.log")" \
    "manual request [0-9]* for \"web1\": completed, key \"web1\" (index [0-9]*), server $host, [0-9]*.[0-9][0-9] s"
sl_match "log: valid until an ISO 8601 date" \
    "$(grep 'key "web1": certificate' "$HOOK_DIR/agent.log")" \
    "*valid until 2[0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z"
line=$(sl_trap_wait 10 "$TRAPOID.3~")
if [ -n "$line" ]; then
    tl_pass "scepcEnrollFailed received"
else
    tl_fail "scepcEnrollFailed received" "$(sl_traps_since | tail -n 3)"
fi
sl_match "  scepcHistKeyName.$hi" "$line" "*~ $H.2.$hi = STRING: \"bad1\"*"
sl_match "  scepcHistSource.$hi manual" "$line" "*~ $H.3.$hi = INTEGER: 1*"
sl_match "  scepcHistDetail.$hi" "$line" "*~ $H.5.$hi = INTEGER: 8*"
sl_match "  scepcHistHttpStatus.$hi" "$line" "*~ $H.6.$hi = Gauge32: 200*"
sl_match "  scepcHistFailInfo.$hi" "$line" "*~ $H.7.$hi = INTEGER: 4*"
sl_match "  scepcHistErrorText.$hi" "$line" "*~ $H.8.$hi = STRING: \"Communication error*"
nvb=$(printf '%s\n' "$line" | tr '~' '\n' | grep -c ' = ')
sl_eq "  exactly sysUpTime, snmpTrapOID and the 6 OBJECTS" "$nvb" 8

# Enable bits: obtained(3) off, then failed(2) off.
r=$(sl_set_err "$SL_NOTIFY" x E8)
sl_eq "clear the obtained bit" "$r" noError
sl_trap_mark
sl_enroll web2 web2.example.com "$SCEP_CHALLENGE" >/dev/null
hi=$(sl_get "$SL_REQ.13.0")
sl_eq "web2 completed" "$(sl_wait_hist "$hi" 30)" 4
# A later notification (a refused request; failed(2) is on) is the sentinel:
# once it arrived, a scepcCertObtained for web2 would have arrived before it.
sl_enroll sent1 sent1.example.com wrong-challenge-1 >/dev/null
if sl_trap_wait 30 "$TRAPOID.3~" >/dev/null; then
    tl_pass "sentinel scepcEnrollFailed received"
else
    tl_fail "sentinel scepcEnrollFailed received"
fi
sl_eq "no scepcCertObtained with the bit cleared" "$(sl_traps_since | grep -c "$TRAPOID.4~")" 0
r=$(sl_set_err "$SL_NOTIFY" x D8)
sl_eq "clear the failed bit (obtained on again)" "$r" noError
sl_trap_mark
sl_enroll bad2 bad2.example.com wrong-challenge-2 >/dev/null
hi=$(sl_get "$SL_REQ.13.0")
sl_eq "bad2 ended in Error" "$(sl_wait_hist "$hi" 30)" 3
sl_enroll web3 web3.example.com "$SCEP_CHALLENGE" >/dev/null
hi=$(sl_get "$SL_REQ.13.0")
sl_eq "web3 completed" "$(sl_wait_hist "$hi" 30)" 4
line=$(sl_trap_wait 10 "$TRAPOID.4~")
sl_match "scepcCertObtained again once its bit is set (control)" "$line" "*STRING: \"web3\"*"
sl_eq "no scepcEnrollFailed with the bit cleared" "$(sl_traps_since | grep -c "$TRAPOID.3~")" 0
tl_summary

#!/bin/sh
# 01-settings.sh - scepcSettings (S1-S3, X6) and the other persisted objects:
# defaults, SET round trip, canonical pin, persistence across a restart.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start

# Defaults (DEFVALs of the MIB).
sl_eq "scepcServerUrl default empty" "$(sl_get "$SL_URL")" ""
sl_eq "scepcServerPort default 0" "$(sl_get "$SL_PORTOBJ")" 0
sl_eq "scepcServerTimeout default 30" "$(sl_get "$SL_TIMEOUTOBJ")" 30
sl_eq "scepcCaFingerprintPin default empty" "$(sl_get "$SL_PIN")" ""
sl_eq "scepcCaFingerprint empty before any CA" "$(sl_get "$SL_FPR")" ""
lt=$(sl_getn "$(sl_mib 1.1.6.0)")
sl_match "scepcLocalTime is 11 octets" "$lt" "*Hex-STRING: ?? ?? ?? ?? ?? ?? ?? ?? 2? ?? ?? "
sl_eq "scepcKeyStoreWarnDays default 30" "$(sl_get "$(sl_mib 1.5.4.0)")" 30
sl_eq "scepcNotifyEnable default F8" "$(sl_get "$SL_NOTIFY")" "F8 "
sl_eq "scepcAutoEnable default false" "$(sl_get "$SL_AUTO.1.0")" 2
sl_eq "scepcAutoPollCount default 3" "$(sl_get "$SL_AUTO.4.0")" 3
sl_eq "scepcAutoPollInterval default 300" "$(sl_get "$SL_AUTO.5.0")" 300
sl_eq "scepcAutoJitterEnable default true" "$(sl_get "$SL_AUTO.3.0")" 1
sl_eq "scepcReqSigHash default sha256" "$(sl_get "$SL_REQ.2.0")" 2
sl_eq "scepcReqKeyLength default 2048" "$(sl_get "$SL_REQ.3.0")" 2048
sl_eq "scepcReqUsage default none" "$(sl_get "$SL_REQ.8.0")" 1

# Round trip, one PDU.
pin_colon=$(echo "$SCEP_CA_FPR" | tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
r=$(sl_set_err "$SL_URL" s "$SCEP_URL" "$SL_PORTOBJ" u 8080 "$SL_TIMEOUTOBJ" u 45 \
    "$SL_PIN" s "$pin_colon")
sl_eq "SET url, port, timeout, pin (95 chars, upper case) in one PDU" "$r" noError
sl_eq "scepcServerUrl reads back" "$(sl_get "$SL_URL")" "$SCEP_URL"
sl_eq "scepcServerPort reads back" "$(sl_get "$SL_PORTOBJ")" 8080
sl_eq "scepcServerTimeout reads back" "$(sl_get "$SL_TIMEOUTOBJ")" 45
sl_eq "scepcCaFingerprintPin reads back canonical" "$(sl_get "$SL_PIN")" "$SCEP_CA_FPR"
sl_eq "scepcCaFingerprint is the pin" "$(sl_get "$SL_FPR")" "$SCEP_CA_FPR"
r=$(sl_set_err "$SL_PIN" s "$(echo "$SCEP_CA_FPR" | tr 'a-f' 'A-F')")
sl_eq "pin as 64 upper-case hex digits" "$r" noError
sl_eq "  reads back lower case" "$(sl_get "$SL_PIN")" "$SCEP_CA_FPR"
r=$(sl_set_err "$(sl_mib 1.5.4.0)" u 45 "$SL_NOTIFY" x E8 "$SL_AUTO.4.0" u 7 \
    "$SL_AUTO.10.0" s autokey "$SL_AUTO.14.0" s auto.example.com "$SL_AUTO.3.0" i 2 \
    "$SL_AUTO.2.0" x 0833010100000000)
sl_eq "SET warn days, notify bits, auto parameters" "$r" noError
sl_eq "scepcNotifyEnable reads back E8" "$(sl_get "$SL_NOTIFY")" "E8 "
r=$(sl_set_err "$SL_NOTIFY" x "")
sl_eq "scepcNotifyEnable zero-length value accepted" "$r" noError
sl_eq "  reads back as 00 (none)" "$(sl_get "$SL_NOTIFY")" "00 "
sl_set_err "$SL_NOTIFY" x E8 >/dev/null
r=$(sl_set_err "$SL_PORTOBJ" u 0)
sl_eq "port back to 0" "$r" noError

# Persistence: stop (SIGTERM) and start again.
# scepcReqSpinLock starts from a pseudo-random value at every start: left out
before=$(sl_walk | grep -v "^$SL_REQ\.10\.0 ")
sl_agent_stop
sl_eq "scepagentd exits 0 on SIGTERM" "$?" 0
if grep -rqs "$SCEP_URL" "$HOOK_DIR/state"; then
    tl_pass "settings are in the state directory"
else
    tl_fail "settings are in the state directory" "$(ls -l "$HOOK_DIR/state" 2>&1)"
fi
if ls -a "$HOOK_DIR/state" | grep -q '\.tmp'; then
    tl_fail "no temp file left in the state directory"
else
    tl_pass "no temp file left in the state directory"
fi
if sl_agent_start "$HOOK_DIR"; then
    after=$(sl_walk | grep -v "^$SL_REQ\.10\.0 ")
    if [ "$before" = "$after" ]; then
        tl_pass "the MIB walk is the same after a restart"
    else
        tl_fail "the MIB walk is the same after a restart" \
            "$(printf '%s\n' "$before" >"$HOOK_DIR/w1"; printf '%s\n' "$after" >"$HOOK_DIR/w2"; diff "$HOOK_DIR/w1" "$HOOK_DIR/w2" | head -n 10)"
    fi
    sl_eq "URL kept" "$(sl_get "$SL_URL")" "$SCEP_URL"
    sl_eq "timeout kept" "$(sl_get "$SL_TIMEOUTOBJ")" 45
    sl_eq "pin kept" "$(sl_get "$SL_PIN")" "$SCEP_CA_FPR"
    sl_eq "warn days kept" "$(sl_get "$(sl_mib 1.5.4.0)")" 45
    sl_eq "notify bits kept" "$(sl_get "$SL_NOTIFY")" "E8 "
    sl_eq "auto key name kept" "$(sl_get "$SL_AUTO.10.0")" autokey
    sl_eq "auto poll count kept" "$(sl_get "$SL_AUTO.4.0")" 7
    sl_eq "auto start time kept" "$(sl_get "$SL_AUTO.2.0")" "08 33 01 01 00 00 00 00 "
else
    tl_fail "scepagentd starts again"
fi
tl_summary

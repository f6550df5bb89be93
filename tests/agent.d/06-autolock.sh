#!/bin/sh
# 06-autolock.sh - S4 and M10: while the automatic timer is enabled (set
# through the auto group) the server settings and the manual trigger are
# refused with inconsistentValue and nothing changes; one PDU that disables
# the timer and changes the URL is accepted (S4 is evaluated against the
# state the whole PDU produces); the reverse PDU is refused.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
sl_hook_start
A=$SL_AUTO
sl_use_server "$SCEP_URL" >/dev/null

# Enabling needs the auto group complete.
r=$(sl_set_err "$A.10.0" s auto1 "$A.1.0" i 1)
sl_eq "enable with no auto CN: inconsistentValue" "$r" inconsistentValue
sl_eq "  timer still off" "$(sl_get "$A.1.0")" 2
# Complete it, start time far ahead (2099) so no run starts during the test.
r=$(sl_set_err "$A.10.0" s auto1 "$A.14.0" s auto1.example.com "$A.3.0" i 2 \
    "$A.2.0" x 0833010100000000 "$A.15.0" s "$SCEP_CHALLENGE")
sl_eq "auto group completed" "$r" noError
r=$(sl_set_err "$A.1.0" i 1)
sl_eq "enable the timer" "$r" noError
sl_eq "scepcAutoOperStatus enabled" "$(sl_get "$A.19.0")" 1
sl_match "scepcAutoNextRun is 2099-01-01" "$(sl_getn "$A.20.0")" "*Hex-STRING: 08 33 01 01 *"
# T2: the next run is a Waiting row with that time (no random delay: jitter off).
rows=$(sl_get "$SL_ROOT.1.4.2.0")
sl_eq "scepcHistLastIndex: the Waiting row" "$rows" 1
sl_eq "  Waiting(1)" "$(sl_get "$SL_HIST.4.$rows")" 1
sl_eq "  automatic(2)" "$(sl_get "$SL_HIST.3.$rows")" 2
sl_eq "  key name" "$(sl_get "$SL_HIST.2.$rows")" auto1
sl_match "  requested 2099-01-01 00:00" "$(sl_getn "$SL_HIST.11.$rows")" \
    "*Hex-STRING: 08 33 01 01 00 00 00 00 *"

before=$(sl_walk | grep -v "^$A\.20\.0 ")
refused()
{
    _n=$1
    shift
    _r=$(sl_set_err "$@")
    _now=$(sl_walk | grep -v "^$A\.20\.0 ")
    if [ "$_r" != inconsistentValue ]; then
        tl_fail "$_n" "got $_r, wanted inconsistentValue"
    elif [ "$_now" != "$before" ]; then
        tl_fail "$_n" "inconsistentValue, but the walk changed"
        before=$_now
    else
        tl_pass "$_n: inconsistentValue, nothing changed"
    fi
}
refused "S4: scepcServerUrl while enabled" "$SL_URL" s "http://192.0.2.7/scep"
refused "S4: scepcServerPort while enabled" "$SL_PORTOBJ" u 8080
refused "S4: scepcServerTimeout while enabled" "$SL_TIMEOUTOBJ" u 99
refused "S4: scepcCaFingerprintPin while enabled" "$SL_PIN" s "$SCEP_CA_FPR"
spin=$(sl_get "$SL_REQ.10.0")
refused "M10: manual trigger while enabled" "$SL_REQ.10.0" i "$spin" "$SL_REQ.1.0" s man1 \
    "$SL_REQ.5.0" s man1.example.com "$SL_REQ.6.0" s "$SCEP_CHALLENGE" "$SL_REQ.11.0" i 2
refused "scepcAutoKeyName empty while enabled" "$A.10.0" s ""
refused "scepcAutoCommonName empty while enabled" "$A.14.0" s ""
refused "scepcAutoUsage ipsec without a policy while enabled" "$A.17.0" i 3
refused "S4: URL change in the same PDU as other auto changes" "$A.4.0" u 5 \
    "$SL_URL" s "http://192.0.2.7/scep"
refused "settings import while enabled" "$SL_ROOT.1.6.1.0" s some.conf "$SL_ROOT.1.6.2.0" i 3
sl_eq "no history row added" "$(sl_get "$SL_ROOT.1.4.2.0")" "$rows"

# Other auto parameters may change while enabled (the MIB).
r=$(sl_set_err "$A.4.0" u 5 "$A.15.0" s "$SCEP_CHALLENGE" "$A.17.0" i 3 "$A.18.0" s office)
sl_eq "auto poll count, challenge, usage ipsec + policy while enabled" "$r" noError
r=$(sl_set_err "$SL_URL" s "$SCEP_URL")
sl_eq "writing the same URL is no change" "$r" noError

# One PDU: disable and change the URL.
NEWURL=http://127.0.0.1:9/scep
r=$(sl_set_err "$SL_URL" s "$NEWURL" "$A.1.0" i 2)
sl_eq "one PDU: URL (first) + disable: accepted" "$r" noError
sl_eq "  URL changed" "$(sl_get "$SL_URL")" "$NEWURL"
sl_eq "  timer off" "$(sl_get "$A.1.0")" 2
sl_eq "  scepcAutoOperStatus disabled" "$(sl_get "$A.19.0")" 2
# The reverse: enable and change the URL in one PDU.
r=$(sl_set_err "$A.1.0" i 1 "$SL_URL" s "$SCEP_URL")
sl_eq "one PDU: enable + URL change: inconsistentValue" "$r" inconsistentValue
sl_eq "  URL unchanged" "$(sl_get "$SL_URL")" "$NEWURL"
sl_eq "  timer still off" "$(sl_get "$A.1.0")" 2
# Disabled again: the manual trigger works.
r=$(sl_set_err "$SL_URL" s "$SCEP_URL")
sl_eq "URL may change while disabled" "$r" noError
r=$(sl_enroll man1 man1.example.com "$SCEP_CHALLENGE")
sl_eq "manual trigger accepted while disabled" "$r" noError
sl_eq "  and completes" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 30)" 4
tl_summary

#!/bin/sh
# 19-prometheus.sh - issue 11 item 4: the snmp_exporter module of
# contrib/prometheus against a running agent behind the real snmpd.
#   - Debian's generator (prometheus-snmp-generator 0.21) writes exactly the
#     committed snmp.yml from generator.yml;
#   - promtool accepts the alerting rules and their unit tests pass;
#   - Debian's prometheus-snmp-exporter with that snmp.yml scrapes the agent:
#     an enrolled key's days left, status and notAfter (equal to the stored
#     certificate's), and a failed request's state and detail.
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
top=$(cd "$top_srcdir" && pwd)
CONTRIB=$top/contrib/prometheus
for t in prometheus-snmp-exporter prometheus-snmp-generator promtool; do
    if ! command -v "$t" >/dev/null 2>&1; then
        tl_fail "$t is installed (Debian: prometheus-snmp-exporter, prometheus)"
        tl_summary
        exit 1
    fi
done

# --- the committed snmp.yml is the generator's ------------------------------------
gen=$HOOK_DIR/gen
mkdir -p "$gen"
cp "$CONTRIB/generator.yml" "$gen/"
# base MIBs: found as test_mib.sh finds them (basemibs.sh: the system's,
# else ../shared/mibs beside the tree; BASE_MIBS overrides)
IMPORTED="SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMP-FRAMEWORK-MIB INET-ADDRESS-MIB NET-SNMP-MIB"
. "$srcdir/basemibs.sh"
# (absolute: the generator runs in $gen)
base=$(top_srcdir=$top && find_base_mibs)
mibdirs=$top/mibs:$base
have_base=1
[ -z "$(missing_modules "$base")" ] || have_base=0
if [ "$have_base" = 0 ] && [ "${REQUIRE_BASE_MIBS:-0}" != 1 ]; then
    # make distcheck: no IETF base MIBs (scripts/check requires them)
    tl_log "SKIP: no base MIBs (SNMPv2-SMI ...) in $mibdirs: snmp.yml not regenerated"
else
    if (cd "$gen" && MIBDIRS=$mibdirs prometheus-snmp-generator --fail-on-parse-errors \
        generate) >"$gen/out" 2>&1; then
        tl_pass "prometheus-snmp-generator generate"
    else
        tl_fail "prometheus-snmp-generator generate" "$(tail -n 3 "$gen/out")"
    fi
    if diff -u "$CONTRIB/snmp.yml" "$gen/snmp.yml" >"$gen/diff" 2>&1; then
        tl_pass "the committed snmp.yml is what generator.yml gives"
    else
        tl_fail "the committed snmp.yml is what generator.yml gives" "$(head -n 20 "$gen/diff")"
    fi
fi

# --- the rules ----------------------------------------------------------------------
out=$(promtool check rules "$CONTRIB/scep-alerts.yml" 2>&1)
sl_match "promtool check rules" "$out" "*SUCCESS: 5 rules found*"
out=$(cd "$CONTRIB" && promtool test rules scep-alerts.test.yml 2>&1)
sl_match "promtool test rules (every alert)" "$out" "*SUCCESS*"

# --- a scrape of the running agent ----------------------------------------------------
sl_hook_start
tl_port exp_port || exit 99
tl_spawn "$HOOK_DIR/exporter.log" prometheus-snmp-exporter \
    --config.file="$CONTRIB/snmp.yml" --web.listen-address="127.0.0.1:$exp_port"
if tl_wait_port "$exp_port" 20; then
    tl_pass "prometheus-snmp-exporter listens"
else
    tl_fail "prometheus-snmp-exporter listens" "$(tail -n 3 "$HOOK_DIR/exporter.log")"
fi
sl_use_server "$SCEP_URL" >/dev/null
sl_eq "enroll prom1 (tls)" "$(sl_enroll prom1 prom1.example.com "$SCEP_CHALLENGE" 2048 2)" noError
sl_eq "  completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 60)" 4
sl_eq "a refused request prombad" "$(sl_enroll prombad prombad.example.com wrong-one)" noError
hb=$(sl_get "$SL_REQ.13.0")
sl_eq "  ended in Error" "$(sl_wait_hist "$hb" 60)" 3
ki=$(sl_key_index prom1)
# an automatic request refused too (wrong challenge: FAILURE, no retry):
# random delay off, start in 4 s, once
A=$SL_AUTO
t=$(($(date +%s) + 4))
# shellcheck disable=SC2046
st=$(printf '%04x%02x%02x%02x%02x%02x00' $(date -d "@$t" '+%Y %-m %-d %-H %-M %-S'))
r=$(sl_set_err "$A.10.0" s promauto "$A.14.0" s promauto.example.com "$A.17.0" i 2 \
    "$A.15.0" s wrong-auto "$A.3.0" i 2 "$A.2.0" x "$st" "$A.4.0" u 0 "$A.5.0" u 1 \
    "$A.6.0" u 0 "$A.7.0" i 1 "$A.8.0" i 1)
sl_eq "automatic request promauto set" "$r" noError
sl_eq "  and enabled" "$(sl_set_err "$A.1.0" i 1)" noError
ha=$(sl_get "$SL_ROOT.1.4.2.0")
sl_eq "  its row (scepcHistSource automatic)" "$(sl_get "$SL_HIST.3.$ha")" 2
sl_eq "  ended in Error" "$(sl_wait_hist "$ha" 60)" 3
sl_eq "  scepcAutoFailures 1" "$(sl_get "$A.21.0")" 1

m=$HOOK_DIR/metrics
curl -s --max-time 30 \
    "http://127.0.0.1:$exp_port/snmp?module=scep_client&target=127.0.0.1:$SL_PORT" >"$m"
sl_match "scrape: snmp_scrape_pdus_returned" "$(grep '^snmp_scrape_pdus_returned ' "$m")" \
    "snmp_scrape_pdus_returned [1-9]*"
keylabels="scepcKeyIndex=\"$ki\",scepcKeyName=\"prom1\""
days=$(sed -n "s/^scepcKeyCertDaysLeft{$keylabels} //p" "$m")
want=$(($(($(openssl x509 -in "$HOOK_DIR/keys/prom1.crt" -noout -enddate |
    sed 's/^notAfter=//' | xargs -I{} date -d {} +%s) - $(date +%s))) / 86400))
# the scrape may fall on the other side of a day boundary: one day less is fine
[ "$days" = "$want" ] || [ "$days" = $((want - 1)) ] || days="$days (not $want or $((want - 1)))"
sl_match "scepcKeyCertDaysLeft of prom1 ($days, the certificate says $want)" "$days" \
    "[0-9]*[0-9]"
sl_eq "scepcKeyCertStatus of prom1: valid" \
    "$(grep -c "^scepcKeyCertStatus{scepcKeyCertStatus=\"valid\",$keylabels} 1$" "$m")" 1
sl_eq "  and not expired" \
    "$(grep -c "^scepcKeyCertStatus{scepcKeyCertStatus=\"expired\",$keylabels} 0$" "$m")" 1
sl_eq "scepcKeyUsage_info of prom1: tls" \
    "$(grep -c "^scepcKeyUsage_info{$keylabels,scepcKeyUsage=\"tls\"} 1$" "$m")" 1
na=$(sed -n "s/^scepcKeyCertNotAfter{$keylabels} //p" "$m" | awk '{ printf "%d", $1 }')
crt=$(openssl x509 -in "$HOOK_DIR/keys/prom1.crt" -noout -enddate | sed 's/^notAfter=//')
sl_eq "scepcKeyCertNotAfter of prom1 is the certificate's notAfter (Unix time)" "$na" \
    "$(date -d "$crt" +%s)"
histlabels="scepcHistIndex=\"$hb\",scepcHistKeyName=\"prombad\""
sl_eq "scepcHistState of the refused request: error" \
    "$(grep -c "^scepcHistState{$histlabels,scepcHistState=\"error\"} 1$" "$m")" 1
sl_eq "scepcHistDetail_info of the refused request: failInfoBadRequest" \
    "$(grep -c "^scepcHistDetail_info{scepcHistDetail=\"failInfoBadRequest\",$histlabels} 1$" "$m")" 1
sl_eq "scepcHistSource_info of the refused request: manual" \
    "$(grep -c "^scepcHistSource_info{$histlabels,scepcHistSource=\"manual\"} 1$" "$m")" 1
sl_match "scepcKeyStoreMinDays" "$(grep '^scepcKeyStoreMinDays ' "$m")" \
    "scepcKeyStoreMinDays [0-9]*"
ahl="scepcHistIndex=\"$ha\",scepcHistKeyName=\"promauto\""
sl_eq "scepcHistSource_info of the automatic request: automatic" \
    "$(grep -c "^scepcHistSource_info{$ahl,scepcHistSource=\"automatic\"} 1$" "$m")" 1
sl_eq "scepcAutoFailures 1" "$(grep -c '^scepcAutoFailures 1$' "$m")" 1
lf=$(sed -n 's/^scepcAutoLastFailed //p' "$m" | awk '{ printf "%d", $1 }')
now=$(date +%s)
sl_eq "scepcAutoLastFailed is the last minute (Unix time $lf, now $now)" \
    "$([ "${lf:-0}" -gt $((now - 60)) ] && [ "$lf" -le "$now" ] && echo yes)" yes

# --- the alerts on this very scrape -----------------------------------------------------
# promtool evaluates scep-alerts.yml over the scraped series (labelled as the
# README's scrape job would, held for 2 hours): the failed automatic request
# raises ScepAutomaticRequestFailed, nothing else fires for a host with one
# valid key.
al=$HOOK_DIR/alerts
mkdir -p "$al"
cp "$CONTRIB/scep-alerts.yml" "$al/"
{
    echo "rule_files: [scep-alerts.yml]"
    echo "evaluation_interval: 1m"
    echo "tests:"
    echo "  - interval: 1m"
    echo "    input_series:"
    echo "      - series: 'up{job=\"scep\",instance=\"h\"}'"
    echo "        values: '1x120'"
    grep '^scep' "$m" | sed -e 's/^\([A-Za-z0-9_]*\){/\1{job="scep",instance="h",/' \
        -e 's/^\([A-Za-z0-9_]*\) /\1{job="scep",instance="h"} /' |
        awk '{ v = $NF; $NF = ""; sub(/ $/, ""); gsub(/\047/, "\047\047");
               printf "      - series: \047%s\047\n        values: \047%sx120\047\n", $0, v }'
    echo "    alert_rule_test:"
    for a in ScepCertificateExpiringSoon ScepCertificateExpired ScepKeyStoreFull \
        ScepAgentNotAnswering; do
        printf '      - eval_time: 90m\n        alertname: %s\n        exp_alerts: []\n' "$a"
    done
    echo "      - eval_time: 90m"
    echo "        alertname: ScepAutomaticRequestFailed"
    echo "        exp_alerts:"
    echo "          - exp_labels: {severity: warning, job: scep, instance: h}"
    echo "            exp_annotations:"
    echo "              summary: 'Last automatic SCEP request failed on h'"
    echo "              description: 'The automatic request ended in Error and none has completed since; scepcHistDetail of its history row (scepcHistSource automatic, scepcHistState error) says why.'"
} >"$al/scrape.test.yml"
out=$(cd "$al" && promtool test rules scrape.test.yml 2>&1)
sl_match "the alerts over the scrape: only ScepAutomaticRequestFailed fires" "$out" "*SUCCESS*"
sl_agent_stop
tl_summary

#!/bin/sh
# 10-keystore.sh - the key store filling up between trigger and completion
# (keyStoreFull detail, scepcKeyStoreFull), deleting a key row, refusing the
# default key, the history ring wrapping after 21 requests (faultsrv
# failinfo:2), and M12 with faultsrv pending:2 (Error/Pending, a re-trigger
# polls with the same transactionID, then Completed).
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
SL_CAPACITY=3 sl_hook_start
H=$SL_HIST
K=$SL_KEY
TRAPOID=".1.3.6.1.6.3.1.1.4.1.0 = OID: $SL_ROOT.0"
sl_use_server "$SCEP_URL" >/dev/null

# --- key store full between trigger and completion
for n in main k1; do
    sl_enroll "$n" "$n.example.com" "$SCEP_CHALLENGE" 1024 >/dev/null
    sl_eq "$n completed" "$(sl_wait_hist "$(sl_get "$SL_REQ.13.0")" 30)" 4
done
sl_eq "scepcKeyStoreCount 2" "$(sl_get "$SL_ROOT.1.5.2.0")" 2
sl_trap_mark
r2=$(sl_enroll k2 k2.example.com "$SCEP_CHALLENGE" 2048)
h2=$(sl_get "$SL_REQ.13.0")
r3=$(sl_enroll k3 k3.example.com "$SCEP_CHALLENGE" 1024)
h3=$(sl_get "$SL_REQ.13.0")
sl_eq "two triggers accepted while one slot is free" "$r2 $r3" "noError noError"
sl_eq "k2 completed (the store is full now)" "$(sl_wait_hist "$h2" 30)" 4
sl_eq "k3 ended in Error" "$(sl_wait_hist "$h3" 30)" 3
sl_eq "  detail keyStoreFull(3)" "$(sl_get "$H.5.$h3")" 3
sl_match "  text" "$(sl_get "$H.8.$h3")" "Key and certificate registration limit*"
sl_eq "scepcKeyStoreCount = capacity 3" "$(sl_get "$SL_ROOT.1.5.2.0")" 3
line=$(sl_trap_wait 10 "$TRAPOID.2~")
if [ -n "$line" ]; then
    tl_pass "scepcKeyStoreFull received"
else
    tl_fail "scepcKeyStoreFull received" "$(sl_traps_since | tail -n 2)"
fi
sl_match "  scepcHistKeyName.$h3" "$line" "*~ $H.2.$h3 = STRING: \"k3\"*"
sl_match "  scepcKeyStoreCount.0" "$line" "*~ $SL_ROOT.1.5.2.0 = Gauge32: 3*"
sl_match "  scepcKeyStoreCapacity.0" "$line" "*~ $SL_ROOT.1.5.1.0 = Gauge32: 3*"
# A later notification is the sentinel: once scepcKeyStoreFull for k4 has
# arrived, a scepcEnrollFailed for k3 would have arrived before it.
sl_enroll k4 k4.example.com "$SCEP_CHALLENGE" >/dev/null
if sl_traps_since | grep -F -- "$TRAPOID.2~" | grep -q '"k4"' ||
    { sl_trap_wait 30 '"k4"' >/dev/null && sl_traps_since | grep -q "$TRAPOID.2~.*\"k4\""; }; then
    tl_pass "  sentinel: scepcKeyStoreFull for k4"
else
    tl_fail "  sentinel: scepcKeyStoreFull for k4" "$(sl_traps_since | tail -n 2)"
fi
sl_eq "  and no scepcEnrollFailed for k3 or k4" "$(sl_traps_since | grep -c "$TRAPOID.3~")" 0

# --- delete a key row; the default key is refused
ki=$(sl_key_index k1)
km=$(sl_key_index main)
r=$(sl_set_err "$K.16.${ki:-0}" i 2)
sl_eq "scepcKeyAction delete(2) on k1" "$r" noError
sl_eq "  row gone" "$(sl_key_index k1)" ""
sl_eq "  scepcKeyStoreCount 2" "$(sl_get "$SL_ROOT.1.5.2.0")" 2
sl_eq "  files gone" "$(ls "$HOOK_DIR/keys" | grep -c '^k1\.')" 0
r=$(sl_set_err "$K.16.${km:-0}" i 2)
sl_eq "delete of the default key: inconsistentValue" "$r" inconsistentValue
sl_eq "  default key still there" "$(sl_key_index main)" "$km"
sl_eq "  scepcKeyIsDefault true" "$(sl_get "$K.14.$km")" 1
r=$(sl_set_err "$K.16.4000000" i 2)
sl_match "delete of a key that does not exist is refused" "$r" "no*"
echo "  (answer: $r)"
r=$(sl_set_err "$K.16.${km:-0}" i 1)
sl_eq "idle(1) on the default key does nothing" "$r" noError

# --- M12: pending, poll, completed
if sl_faultsrv_start "$HOOK_DIR/fault-pending" pending:2; then
    sl_eq "use faultsrv pending:2" "$(sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR")" noError
    sl_trap_mark
    sl_enroll pend1 pend1.example.com whatever 1024 >/dev/null
    p1=$(sl_get "$SL_REQ.13.0")
    sl_eq "pend1: Error" "$(sl_wait_hist "$p1" 30)" 3
    sl_eq "  detail pending(2)" "$(sl_get "$H.5.$p1")" 2
    tid=$(sl_get "$H.9.$p1")
    sl_match "  transactionID" "$tid" "[0-9a-fA-F]*"
    sl_eq "  no key row while pending" "$(sl_key_index pend1)" ""
    line=$(sl_trap_wait 10 "$TRAPOID.1~")
    sl_match "scepcEnrollPending received" "$line" "*~ $H.2.$p1 = STRING: \"pend1\"*"
    sl_match "  with the transactionID" "$line" "*~ $H.9.$p1 = STRING: \"$tid\"*"
    r=$(sl_enroll pend1 pend1.example.com whatever 1024)
    sl_eq "re-trigger of a pending name accepted" "$r" noError
    p2=$(sl_get "$SL_REQ.13.0")
    sl_eq "first poll: Error/pending again" "$(sl_wait_hist "$p2" 30) $(sl_get "$H.5.$p2")" "3 2"
    sl_eq "  same transactionID" "$(sl_get "$H.9.$p2")" "$tid"
    r=$(sl_enroll pend1 pend1.example.com whatever 1024)
    p3=$(sl_get "$SL_REQ.13.0")
    sl_eq "second poll: Completed" "$(sl_wait_hist "$p3" 30)" 4
    sl_eq "  same transactionID" "$(sl_get "$H.9.$p3")" "$tid"
    sl_match "  key row pend1" "$(sl_get "$K.7.$(sl_key_index pend1)")" "*CN=pend1.example.com*"
    sl_eq "faultsrv saw CertPolls (type 20), one PKCSReq (19)" \
        "$(grep -c 'type=20' "$HOOK_DIR/fault-pending/faultsrv0.err") $(grep -c 'type=19' "$HOOK_DIR/fault-pending/faultsrv0.err")" "2 1"
    line=$(sl_trap_wait 10 "$TRAPOID.4~")
    sl_match "scepcCertObtained after the poll" "$line" "*STRING: \"pend1\"*"
    sl_eq "scepcEnrollPending only once per transaction" \
        "$(sl_traps_since | grep -c "$TRAPOID.1~")" 1
else
    tl_fail "faultsrv pending:2 starts"
fi

# --- history wraps: 21 more requests, fast failures
if sl_faultsrv_start "$HOOK_DIR/fault-fail" failinfo:2; then
    sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR" >/dev/null
    # Free a slot: a full store would end them with keyStoreFull before any HTTP.
    r=$(sl_set_err "$K.16.$(sl_key_index k2)" i 2)
    sl_eq "delete k2 (one slot free)" "$r" noError
    first=$(($(sl_get "$SL_ROOT.1.4.2.0") + 1))
    i=0
    bad=0
    while [ "$i" -lt 21 ]; do
        i=$((i + 1))
        r=$(sl_enroll "w$i" "w$i.example.com" whatever 1024)
        [ "$r" = noError ] || bad=$((bad + 1))
    done
    sl_eq "21 triggers accepted (they queue)" "$bad" 0
    last=$(sl_get "$SL_ROOT.1.4.2.0")
    sl_eq "scepcHistLastIndex advanced by 21" "$last" "$((first + 20))"
    sl_eq "the last one ends in Error" "$(sl_wait_hist "$last" 60)" 3
    sl_eq "  detail failInfoBadRequest(8)" "$(sl_get "$H.5.$last")" 8
    idx=$(sl_walk "$H.4" | sed -n "s/^$H\.4\.\([0-9]*\) = .*/\1/p")
    sl_eq "the table keeps 20 rows" "$(printf '%s\n' "$idx" | grep -c .)" 20
    sl_eq "the oldest kept row is last - 19" "$(printf '%s\n' "$idx" | head -n 1)" "$((last - 19))"
    sl_eq "the newest row is last" "$(printf '%s\n' "$idx" | tail -n 1)" "$last"
    sl_eq "row 1 is gone" "$(sl_get "$H.4.1" 2>&1 | grep -c 'No Such Instance')" 1
else
    tl_fail "faultsrv failinfo:2 starts"
fi
tl_summary

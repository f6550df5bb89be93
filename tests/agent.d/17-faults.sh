#!/bin/sh
# 17-faults.sh - issue 10 item 3 (R3, R4): faults around a request.
#   - the SCEP server killed in the middle of a request: the row ends Error
#     with a communication error, nothing is stored, the agent serves;
#   - the key store's file system full (a 192 KiB tmpfs, filled up): the row
#     ends keyStoreError(27), no half-written file is left, the agent
#     serves; with room again the same name enrolls;
#   - the key store's file system read-only: the same, and the stored keys
#     are all still there;
#   - the SCEP server killed in the middle of a request: the row ends Error
#     tcpError(4), nothing is stored, the agent serves.
# The hook runs in a mount namespace of its own (unshare -m) so that it can
# mount the tmpfs; it skips (exit 77) where that is not allowed.
if [ -z "$SCEP_FAULTS_NS" ]; then
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "SKIP: no mount namespace (unshare -m) here"
        exit 77
    fi
    SCEP_FAULTS_NS=1 exec unshare -m --propagation private "$SCEP_SH" "$0" "$@"
fi
. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"
H=$SL_HIST
KEYS=$HOOK_DIR/keys
mkdir -p "$KEYS"
if ! mount -t tmpfs -o size=192k,mode=0700 tmpfs "$KEYS"; then
    tl_fail "a tmpfs for the key store"
    tl_summary
    exit 1
fi
sl_hook_start
sl_use_server "$SCEP_URL" >/dev/null

# enroll NAME: one manual request; prints the row's final state and detail.
enroll()
{
    sl_enroll "$1" "$1.example.com" "$SCEP_CHALLENGE" 2048 2 >/dev/null
    _hi=$(sl_get "$SL_REQ.13.0")
    echo "$(sl_wait_hist "$_hi" 60) $(sl_get "$H.5.$_hi")"
}

sl_eq "enroll ok1" "$(enroll ok1)" "4 1"

# --- file system full --------------------------------------------------------------
# Fill the tmpfs up (the filler is one file: removing it gives the room back).
dd if=/dev/zero of="$KEYS/.filler" bs=4k count=1000 2>/dev/null
r=$(enroll full1)
sl_eq "file system full: row Error, keyStoreError(27)" "$r" "3 27"
sl_match "  the text names the cause" "$(sl_get "$H.8.$(sl_get "$SL_REQ.13.0")")" \
    "*[Nn]o space*"
sl_eq "  no half-written file" "$(sl_store_problems "$KEYS")" ""
sl_eq "  no key row" "$(sl_key_index full1)" ""
sl_eq "  ok1 still there" "$(sl_key_index ok1 | grep -c .)" 1
sl_eq "  the agent serves (a walk)" "$(sl_walk "$SL_ROOT" >/dev/null 2>&1 && echo ok)" ok
rm -f "$KEYS/.filler"
sl_eq "room again: the same name enrolls" "$(enroll full1)" "4 1"

# --- file system read-only ----------------------------------------------------------
mount -o remount,ro "$KEYS"
r=$(enroll ro1)
sl_eq "read-only file system: row Error, keyStoreError(27)" "$r" "3 27"
sl_match "  the text names the cause" "$(sl_get "$H.8.$(sl_get "$SL_REQ.13.0")")" \
    "*[Rr]ead-only*"
sl_eq "  no key row" "$(sl_key_index ro1)" ""
ki=$(sl_key_index ok1)
r=$(sl_set_err "$SL_KEY.16.${ki:-0}" i 2)
sl_eq "  a delete is refused: resourceUnavailable" "$r" resourceUnavailable
sl_eq "  ok1 and full1 still there" "$(sl_key_index ok1 | grep -c .) $(sl_key_index full1 | grep -c .)" "1 1"
sl_eq "  the agent serves (a walk)" "$(sl_walk "$SL_ROOT" >/dev/null 2>&1 && echo ok)" ok
mount -o remount,rw "$KEYS"
sl_eq "writable again: ro1 enrolls" "$(enroll ro1)" "4 1"
# --- the SCEP server killed mid-request ------------------------------------------
if sl_faultsrv_start "$HOOK_DIR/fault" slow:30; then
    sl_use_server "$SL_FAULT_URL" "$SL_FAULT_FPR" >/dev/null
    sl_enroll gone1 gone1.example.com whatever 1024 >/dev/null
    hi=$(sl_get "$SL_REQ.13.0")
    sl_eq "  the request is In progress" "$(sl_get "$H.4.$hi")" 2
    # until faultsrv has the PKIOperation in hand (its log), then kill it
    left=300
    while [ "$left" -gt 0 ] && ! grep -q 'operation=PKIOperation' "$HOOK_DIR/fault/faultsrv0.err"; do
        sleep 0.1
        left=$((left - 1))
    done
    kill -9 "$TL_LAST_PID"
    sl_eq "server killed mid-request: row Error" "$(sl_wait_hist "$hi" 60)" 3
    sl_eq "  detail tcpError(4)" "$(sl_get "$H.5.$hi")" 4
    sl_match "  the text says why" "$(sl_get "$H.8.$hi")" "*[Cc]ommunication error*"
    sl_eq "  nothing stored" "$(sl_key_index gone1)" ""
    sl_eq "  the agent serves" "$(sl_get "$SL_URL")" "$SL_FAULT_URL"
else
    tl_fail "faultsrv slow:30 starts"
fi

sl_eq "the store is consistent at the end" "$(sl_store_problems "$KEYS")" ""
sl_agent_stop
umount "$KEYS"
tl_summary

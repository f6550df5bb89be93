# snmplib.sh - POSIX sh helpers for the scepagentd tests (sourced after lib.sh).
#
# Daemons (all kept as children of the sourcing shell, see lib.sh):
#   sl_snmpd_start DIR PORT SOCKET TRAPPORT   private snmpd, master agentx
#   sl_snmpd_stop                             stop the one started last here
#   sl_trapd_start DIR PORT LOG               snmptrapd writing one line a trap
#   sl_agent_conf DIR SOCKET [LINES...]       write DIR/agent.conf
#   sl_agent_start DIR [ARGS...]              scepagentd -f -c DIR/agent.conf
#   sl_agent_stop                             SIGTERM, wait; its exit status
#   sl_wait_agent [SECS]                      until the MIB answers
# SNMP (numeric OIDs, no MIB files; the agent under $SL_PORT):
#   sl_get OID...          values only, one a line (v3 authPriv, admin)
#   sl_getn OID...         "OID = TYPE: value" lines
#   sl_set OID TYPE VALUE... one SET PDU (admin); output + status
#   sl_set_err OID TYPE VALUE... print the error name of a refused SET
#                          ("noError" when it succeeded)
#   sl_walk [OID]          walk of the MIB (default: scepcObjects) as admin,
#                          without the lines that follow the clock
#                          (scepcLocalTime, scepcKeyStoreMinDays,
#                          scepcKeyCertDaysLeft: a day boundary may pass)
#   sl_mib OID-SUFFIX      print the full OID of the MIB root + suffix
# Checks: sl_eq NAME GOT WANT, sl_match NAME GOT GLOB, sl_wait_value
#   SECS OID GLOB (poll until the value matches; prints the last one),
#   sl_wait_log SECS FILE ERE (until a line of FILE matches),
#   sl_store_problems DIR (what is inconsistent in a key store directory).
#
# Environment (exported by agent.sh): SL_PORT (snmpd UDP port), SL_TRAPS
# (trap log), SL_SOCK (AgentX socket), SCEPAGENTD (the daemon), SL_V3USER
# etc. The client tools read no user config: SNMPCONFPATH and
# SNMP_PERSISTENT_DIR point into the test directory.

SL_ROOT=.1.3.6.1.4.1.8072.9999.9999.7237
SL_ADMIN_USER=${SL_ADMIN_USER:-admin}
SL_ADMIN_AUTH=${SL_ADMIN_AUTH:-authpass123}
SL_ADMIN_PRIV=${SL_ADMIN_PRIV:-privpass123}
SL_RO_USER=${SL_RO_USER:-reader}
SL_RO_AUTH=${SL_RO_AUTH:-readauth123}
SL_RO_PRIV=${SL_RO_PRIV:-readpriv123}
SL_AGENT_PID=
SL_SNMPD_PID=
MIBS=
export MIBS

sl_mib()
{
    echo "$SL_ROOT.$1"
}

sl_client_env()
{
    _sl_d=$1
    mkdir -p "$_sl_d/client-conf" "$_sl_d/client-persist" || return 1
    : >"$_sl_d/client-conf/snmp.conf"
    SNMPCONFPATH=$_sl_d/client-conf
    SNMP_PERSISTENT_DIR=$_sl_d/client-persist
    export SNMPCONFPATH SNMP_PERSISTENT_DIR
}

# Strings without their quotes; status of snmpget.
sl_get()
{
    _sl_o=$(snmpget -m '' -On -Oqv -t "${SL_TIMEOUT:-3}" -r 1 -v3 -l authPriv \
        -u "$SL_ADMIN_USER" -a SHA -A "$SL_ADMIN_AUTH" -x AES -X "$SL_ADMIN_PRIV" \
        "127.0.0.1:$SL_PORT" "$@")
    _sl_rc=$?
    printf '%s\n' "$_sl_o" | sed 's/^"\(.*\)"$/\1/'
    return "$_sl_rc"
}

sl_getn()
{
    snmpget -m '' -On -t "${SL_TIMEOUT:-3}" -r 1 -v3 -l authPriv -u "$SL_ADMIN_USER" \
        -a SHA -A "$SL_ADMIN_AUTH" -x AES -X "$SL_ADMIN_PRIV" "127.0.0.1:$SL_PORT" "$@"
}

sl_set()
{
    snmpset -m '' -On -t "${SL_TIMEOUT:-3}" -r 0 -v3 -l authPriv -u "$SL_ADMIN_USER" \
        -a SHA -A "$SL_ADMIN_AUTH" -x AES -X "$SL_ADMIN_PRIV" "127.0.0.1:$SL_PORT" "$@"
}

# The reason snmpset prints for a refused SET ("Reason: wrongValue (...)"),
# "noError" when it succeeded, "failed:<text>" for anything else.
sl_reason()
{
    _sl_out=$("$@" 2>&1)
    _sl_rc=$?
    if [ "$_sl_rc" = 0 ]; then
        echo noError
        return 0
    fi
    _sl_r=$(printf '%s\n' "$_sl_out" | sed -n 's/^Reason: \([A-Za-z]*\).*/\1/p' | head -n 1)
    if [ -n "$_sl_r" ]; then
        echo "$_sl_r"
    else
        echo "failed:$(printf '%s' "$_sl_out" | tr '\n' ' ' | cut -c1-200)"
    fi
}

sl_set_err()
{
    sl_reason sl_set "$@"
}

sl_walk()
{
    snmpwalk -m '' -On -t "${SL_TIMEOUT:-3}" -r 1 -v3 -l authPriv -u "$SL_ADMIN_USER" \
        -a SHA -A "$SL_ADMIN_AUTH" -x AES -X "$SL_ADMIN_PRIV" "127.0.0.1:$SL_PORT" \
        "${1:-$SL_ROOT.1}" |
        grep -v -e "^$SL_ROOT\.1\.1\.6\.0 = " -e "^$SL_ROOT\.1\.5\.3\.0 = " \
            -e "^$SL_ROOT\.1\.5\.5\.1\.12\."
}

sl_eq()
{
    if [ "$2" = "$3" ]; then
        tl_pass "$1"
    else
        tl_fail "$1" "got '$2', wanted '$3'"
    fi
}

sl_match()
{
    # shellcheck disable=SC2254 # a glob on purpose
    case "$2" in
    $3) tl_pass "$1" ;;
    *) tl_fail "$1" "got '$2', wanted '$3'" ;;
    esac
}

# sl_wait_value SECS OID GLOB: poll OID every 0.2 s until its value matches;
# prints the last value; status 0 when it matched.
sl_wait_value()
{
    _sl_left=$(($1 * 5))
    _sl_v=
    while [ "$_sl_left" -gt 0 ]; do
        _sl_v=$(sl_get "$2" 2>/dev/null)
        # shellcheck disable=SC2254
        case "$_sl_v" in
        $3)
            echo "$_sl_v"
            return 0
            ;;
        esac
        sleep 0.2
        _sl_left=$((_sl_left - 1))
    done
    echo "$_sl_v"
    return 1
}

# sl_wait_log SECS FILE ERE: poll FILE every 0.1 s until a line matches the
# extended regular expression ERE; status 0 when one did.
sl_wait_log()
{
    _sl_left=$(($1 * 10))
    while ! grep -q -E -- "$3" "$2" 2>/dev/null; do
        [ "$_sl_left" -gt 0 ] || return 1
        sleep 0.1
        _sl_left=$((_sl_left - 1))
    done
    return 0
}

# sl_store_problems DIR: print what is wrong in key store DIR (nothing when
# it is consistent): a .meta without its .key or .crt, a .key without its
# .meta, a staging (.new) or temporary file left behind.
sl_store_problems()
{
    for _sl_m in "$1"/*.meta; do
        [ -e "$_sl_m" ] || continue
        _sl_b=${_sl_m%.meta}
        [ -e "$_sl_b.key" ] || echo "no .key for $_sl_m"
        [ -e "$_sl_b.crt" ] || echo "no .crt for $_sl_m"
    done
    for _sl_k in "$1"/*.key; do
        [ -e "$_sl_k" ] || continue
        [ -e "${_sl_k%.key}.meta" ] || echo "no .meta for $_sl_k"
    done
    ls -a "$1" | grep -E '\.new$|\.tmp|^\.[^.].*[0-9A-Za-z]{6}$' |
        grep -v -x -e .nextindex -e .store.lock | sed 's/^/left over: /'
}

# ---- snmpd / snmptrapd -------------------------------------------------------

# sl_snmpd_start DIR PORT SOCKET TRAPPORT: snmpd as AgentX master on
# udp:127.0.0.1:PORT, AgentX on unix:SOCKET, traps v2c to TRAPPORT. Users:
# admin (authPriv, read-write), reader (authPriv, read-only), community
# public read-only from 127.0.0.1.
sl_snmpd_start()
{
    _sl_d=$1
    mkdir -p "$_sl_d/persist" || return 1
    cat >"$_sl_d/snmpd.conf" <<EOF
[snmp] persistentDir $_sl_d/persist
[snmp] mibs :
agentaddress udp:127.0.0.1:$2
master agentx
agentXSocket unix:$3
agentXPerms 0660 0770
agentXTimeout 1
agentXRetries 1
rocommunity public 127.0.0.1
createUser $SL_ADMIN_USER SHA "$SL_ADMIN_AUTH" AES "$SL_ADMIN_PRIV"
createUser $SL_RO_USER SHA "$SL_RO_AUTH" AES "$SL_RO_PRIV"
rwuser $SL_ADMIN_USER priv
rouser $SL_RO_USER priv
trap2sink udp:127.0.0.1:$4 public
EOF
    tl_spawn "$_sl_d/snmpd.log" snmpd -f -Lo -C -I -smux -c "$_sl_d/snmpd.conf" \
        -p "$_sl_d/snmpd.pid"
    SL_SNMPD_PID=$TL_LAST_PID
    _sl_left=100
    while [ "$_sl_left" -gt 0 ]; do
        if snmpget -m '' -On -t 1 -r 0 -v2c -c public "127.0.0.1:$2" .1.3.6.1.2.1.1.3.0 \
            >/dev/null 2>&1; then
            return 0
        fi
        if ! tl_alive "$SL_SNMPD_PID"; then
            break
        fi
        sleep 0.1
        _sl_left=$((_sl_left - 1))
    done
    echo "sl_snmpd_start: snmpd does not answer on $2" >&2
    tl_show_log "$_sl_d/snmpd.log"
    return 1
}

# sl_private_snmpd: a hook's own snmpd (free port SL_PORT, socket
# HOOK_DIR/agentx.sock), so the shared master of agent.sh is not disturbed;
# the hook ends (failed) when it does not start.
sl_private_snmpd()
{
    tl_port SL_PORT || exit 99
    SL_SOCK=$HOOK_DIR/agentx.sock
    if ! sl_snmpd_start "$HOOK_DIR/snmpd" "$SL_PORT" "$SL_SOCK" "$SL_TRAP_PORT"; then
        tl_fail "private snmpd starts"
        tl_summary
        exit 1
    fi
}

# Stop a daemon started here, wait for it; print nothing, return its status.
sl_stop_pid()
{
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    _sl_rc=$?
    TL_PIDS=$(echo " $TL_PIDS " | sed "s/ $1 / /")
    return "$_sl_rc"
}

sl_snmpd_stop()
{
    [ -n "$SL_SNMPD_PID" ] || return 0
    sl_stop_pid "$SL_SNMPD_PID"
    _sl_rc=$?
    SL_SNMPD_PID=
    return "$_sl_rc"
}

sl_trapd_start()
{
    _sl_d=$1
    mkdir -p "$_sl_d/trapd-persist" || return 1
    cat >"$_sl_d/snmptrapd.conf" <<EOF
[snmp] persistentDir $_sl_d/trapd-persist
[snmp] mibs :
snmpTrapdAddr udp:127.0.0.1:$2
disableAuthorization yes
EOF
    : >"$3"
    tl_spawn "$_sl_d/snmptrapd.log" snmptrapd -f -C -c "$_sl_d/snmptrapd.conf" -Lf "$3" \
        -p "$_sl_d/snmptrapd.pid" -n -On -F "%V~ %v\n"
    _sl_left=50
    while [ "$_sl_left" -gt 0 ]; do
        if [ -n "$(ss -Hlun "sport = :$2" 2>/dev/null)" ]; then
            return 0
        fi
        tl_alive "$TL_LAST_PID" || break
        sleep 0.1
        _sl_left=$((_sl_left - 1))
    done
    echo "sl_trapd_start: snmptrapd does not listen on $2" >&2
    tl_show_log "$_sl_d/snmptrapd.log"
    return 1
}

# ---- scepagentd ---------------------------------------------------------------

# sl_agent_conf DIR SOCKET [LINE...]: stateDir/keyStore in DIR, ping 1 s.
sl_agent_conf()
{
    _sl_d=$1
    _sl_s=$2
    shift 2
    mkdir -p "$_sl_d" || return 1
    {
        echo "stateDir $_sl_d/state"
        echo "keyStore $_sl_d/keys"
        echo "exportDir $_sl_d/export"
        echo "agentxSocket unix:$_sl_s"
        echo "agentxPingInterval 1"
        for _sl_l in "$@"; do
            echo "$_sl_l"
        done
    } >"$_sl_d/agent.conf"
}

# sl_wait_agent [SECS]: until scepcHistMaxEntries.0 answers through the master.
sl_wait_agent()
{
    _sl_left=$((${1:-10} * 5))
    while [ "$_sl_left" -gt 0 ]; do
        case $(SL_TIMEOUT=1 sl_get "$SL_ROOT.1.4.1.0" 2>/dev/null) in
        [0-9]*) return 0 ;;
        esac
        if [ -n "$SL_AGENT_PID" ] && ! tl_alive "$SL_AGENT_PID"; then
            return 1
        fi
        sleep 0.2
        _sl_left=$((_sl_left - 1))
    done
    return 1
}

# sl_agent_start DIR [ARGS...]: log in DIR/agent.log (appended), stdout and
# stderr in DIR/agent.out. Waits until the subagent answers.
sl_agent_start()
{
    _sl_d=$1
    shift
    tl_spawn "$_sl_d/agent.out" "$SCEPAGENTD" -f -c "$_sl_d/agent.conf" \
        -Lf "$_sl_d/agent.log" "$@"
    SL_AGENT_PID=$TL_LAST_PID
    if ! sl_wait_agent 15; then
        echo "sl_agent_start: scepagentd does not answer" >&2
        tl_show_log "$_sl_d/agent.out"
        tl_show_log "$_sl_d/agent.log"
        return 1
    fi
    return 0
}

sl_agent_stop()
{
    [ -n "$SL_AGENT_PID" ] || return 0
    sl_stop_pid "$SL_AGENT_PID"
    _sl_rc=$?
    SL_AGENT_PID=
    return "$_sl_rc"
}

# ---- traps --------------------------------------------------------------------

# sl_trap_mark: remember how many trap lines there are now (in SL_TRAP_MARK).
sl_trap_mark()
{
    SL_TRAP_MARK=$(wc -l <"$SL_TRAPS")
}

# sl_trap_wait SECS PATTERN: wait for a trap line after the mark that contains
# PATTERN (grep -F); print the first one; 0 when found.
sl_trap_wait()
{
    _sl_left=$(($1 * 10))
    while :; do
        _sl_line=$(tail -n +"$((SL_TRAP_MARK + 1))" "$SL_TRAPS" | grep -F -- "$2" | head -n 1)
        if [ -n "$_sl_line" ]; then
            printf '%s\n' "$_sl_line"
            return 0
        fi
        [ "$_sl_left" -gt 0 ] || return 1
        sleep 0.1
        _sl_left=$((_sl_left - 1))
    done
}

# The trap lines since the mark.
sl_traps_since()
{
    tail -n +"$((SL_TRAP_MARK + 1))" "$SL_TRAPS"
}

# ---- the manual request --------------------------------------------------------

# OIDs of the objects the tests use most (scalars, with .0).
SL_URL=$SL_ROOT.1.1.1.0
SL_PORTOBJ=$SL_ROOT.1.1.2.0
SL_TIMEOUTOBJ=$SL_ROOT.1.1.3.0
SL_PIN=$SL_ROOT.1.1.4.0
SL_FPR=$SL_ROOT.1.1.5.0
SL_REQ=$SL_ROOT.1.2
SL_AUTO=$SL_ROOT.1.3
SL_HIST=$SL_ROOT.1.4.3.1
SL_KEY=$SL_ROOT.1.5.5.1
SL_NOTIFY=$SL_ROOT.1.7.1.0

# sl_enroll NAME CN CHALLENGE [BITS [USAGE]]: one PDU with the spin lock read
# just before, the parameters and the trigger. Prints snmpset's reason.
sl_enroll()
{
    _sl_spin=$(sl_get "$SL_REQ.10.0" 2>/dev/null)
    case "$_sl_spin" in
    [0-9]*) ;;
    *) _sl_spin=0 ;;
    esac
    sl_set_err "$SL_REQ.10.0" i "$_sl_spin" "$SL_REQ.1.0" s "$1" "$SL_REQ.5.0" s "$2" \
        "$SL_REQ.6.0" s "$3" "$SL_REQ.3.0" u "${4:-2048}" "$SL_REQ.8.0" i "${5:-2}" \
        "$SL_REQ.11.0" i 2
}

# sl_wait_hist INDEX SECS: wait until history row INDEX is error(3) or
# completed(4); prints the state.
sl_wait_hist()
{
    sl_wait_value "$2" "$SL_HIST.4.$1" '[34]'
}

# sl_key_index NAME: the scepcKeyIndex of the key named NAME (empty if none).
sl_key_index()
{
    sl_walk "$SL_KEY.2" | sed -n "s/^$SL_KEY\.2\.\([0-9]*\) = STRING: \"\{0,1\}$1\"\{0,1\}\$/\1/p" |
        head -n 1
}

# sl_agent_conf_std DIR [LINE...]: the usual test configuration: capacity
# ${SL_CAPACITY:-10}, default key "main", IPsec policies "office" and "lab",
# restart command and a reload command for tls that append a line to
# DIR/hooks.log (SL_BIN holds the scripts, made by agent.sh).
sl_agent_conf_std()
{
    _sl_dd=$1
    shift
    sl_agent_conf "$_sl_dd" "$SL_SOCK" "keyStoreCapacity ${SL_CAPACITY:-10}" \
        "defaultKey main" "ipsecPolicy office" "ipsecPolicy lab" \
        "restartCommand $SL_BIN/restart.sh $_sl_dd/hooks.log" \
        "reloadCommand tls $SL_BIN/reload.sh $_sl_dd/hooks.log tls" \
        "commandTimeout 10" "$@"
}

# sl_faultsrv_start DIR MODE [ARGS...]: tests/faultsrv on a free port; sets
# SL_FAULT_URL and SL_FAULT_FPR (SHA-256 of its CA, for scepcCaFingerprintPin).
sl_faultsrv_start()
{
    _sl_d=$1
    _sl_m=$2
    shift 2
    mkdir -p "$_sl_d" || return 1
    _sl_n=$(ls "$_sl_d" | grep -c '^faultsrv')
    _sl_log=$_sl_d/faultsrv$_sl_n.out
    "$FAULTSRV" -p 0 -m "$_sl_m" "$@" >"$_sl_log" 2>"$_sl_d/faultsrv$_sl_n.err" </dev/null &
    TL_LAST_PID=$!
    TL_PIDS="$TL_PIDS $TL_LAST_PID"
    _sl_left=100
    _sl_p=
    while [ "$_sl_left" -gt 0 ]; do
        # (the background shell may not have created the file yet)
        _sl_p=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$_sl_log" 2>/dev/null | head -n 1)
        [ -n "$_sl_p" ] && break
        tl_alive "$TL_LAST_PID" || break
        sleep 0.1
        _sl_left=$((_sl_left - 1))
    done
    if [ -z "$_sl_p" ]; then
        echo "sl_faultsrv_start: no PORT line" >&2
        tl_show_log "$_sl_d/faultsrv$_sl_n.err"
        return 1
    fi
    SL_FAULT_URL=http://127.0.0.1:$_sl_p/scep
    SL_FAULT_FPR=$(curl -s --max-time 10 "$SL_FAULT_URL?operation=GetCACert" |
        openssl x509 -inform DER -noout -fingerprint -sha256 | sed 's/^[^=]*=//; s/://g' |
        tr 'A-F' 'a-f')
    [ -n "$SL_FAULT_FPR" ]
}

# sl_use_server URL [FPR]: one PDU setting the server URL (and the CA pin, so
# a server with another CA is accepted: trust on first use would refuse it).
sl_use_server()
{
    if [ -n "$2" ]; then
        sl_set_err "$SL_URL" s "$1" "$SL_PIN" s "$2"
    else
        sl_set_err "$SL_URL" s "$1"
    fi
}

# Common start of a hook: the standard agent in $HOOK_DIR, or a failure.
sl_hook_start()
{
    sl_agent_conf_std "$HOOK_DIR" "$@" || return 1
    if ! sl_agent_start "$HOOK_DIR"; then
        tl_fail "scepagentd starts and answers"
        tl_summary
        exit 1
    fi
}

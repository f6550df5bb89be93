#!/bin/sh
# agent.sh - tests of scepagentd through a real snmpd (AgentX master),
# snmptrapd and the Debian scepserver.
#
# Run by `make check` (env: srcdir, top_builddir). Inside a private network
# namespace when the machine allows one (scepserver listens on every
# interface, TESTBED.md), it starts:
#   - scepserver (fresh depot, challenge $SCEP_CHALLENGE) on 127.0.0.1:$port;
#   - snmptrapd on udp:127.0.0.1:$SL_TRAP_PORT, one line a trap in $SL_TRAPS;
#   - snmpd as AgentX master on udp:127.0.0.1:$SL_PORT, AgentX socket
#     $SL_SOCK, users admin (authPriv read-write) and reader (authPriv
#     read-only), community public (read-only), trap2sink to snmptrapd;
#   - scepagentd with a private config, for the smoke checks below; it is
#     stopped (SIGTERM must end it cleanly) before the hooks run.
# Then every $srcdir/agent.d/*.sh hook runs with the variables below exported
# (each starts its own scepagentd with a fresh state through snmplib.sh, so
# the hooks do not depend on each other). Each hook prints "N passed, M
# failed"; the total is printed at the end. Exit status non-zero on any
# failure or when nothing ran. SCEP_KEEP=1 keeps the temp dir.
# AGENT_TESTS="03 07" runs only the hooks whose name starts with those words.

# A private network namespace (netns.sh re-runs this script in it).
. "$(dirname "$0")/netns.sh"

: "${srcdir:=$(dirname "$0")}"
: "${top_builddir:=..}"
srcdir=$(cd "$srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99
export srcdir top_builddir

. "$srcdir/lib.sh"
. "$srcdir/snmplib.sh"

die()
{
    echo "agent: $*" >&2
    exit 99
}

if [ "$SCEP_IN_NETNS" = 1 ]; then
    ip link set lo up || die "cannot bring up lo in the namespace"
    echo "agent: running in a private network namespace (${SCEP_NETNS_HOW:-set up by the caller}, only lo)"
else
    echo "agent: no network namespace available, falling back to 127.0.0.1 on random ports"
fi

for _tool in scepserver snmpd snmptrapd snmpget snmpset snmpwalk openssl curl ss; do
    command -v "$_tool" >/dev/null 2>&1 || die "$_tool is missing (scripts/check installs it)"
done
SCEPAGENTD=$top_builddir/agent/scepagentd
FAULTSRV=$top_builddir/tests/faultsrv
[ -x "$SCEPAGENTD" ] || die "$SCEPAGENTD is missing (make builds it)"
[ -x "$FAULTSRV" ] || die "$FAULTSRV is missing (make check builds it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scep-agent-XXXXXX") || exit 99
TL_TMPDIR=$tmp
SL_DIR=$tmp
sl_client_env "$tmp" || die "cannot set up the SNMP client config"

# --- services -----------------------------------------------------------------
# A challenge nobody would write by chance: X2 greps for it.
SCEP_CHALLENGE=Chal7e5XsecretQ91z
for _v in scep_port SL_PORT SL_TRAP_PORT; do
    tl_port "$_v" || die "no free port"
done
SL_SOCK=$tmp/agentx.sock
SL_TRAPS=$tmp/traps.log

tl_scepserver_start "$tmp/scep" "$scep_port" "$SCEP_CHALLENGE" || die "scepserver did not start"
echo "service: scepserver on 127.0.0.1:$scep_port (pid $TL_LAST_PID)"
sl_trapd_start "$tmp/trapd" "$SL_TRAP_PORT" "$SL_TRAPS" || die "snmptrapd did not start"
echo "service: snmptrapd on udp:127.0.0.1:$SL_TRAP_PORT (pid $TL_LAST_PID)"
sl_snmpd_start "$tmp/snmpd" "$SL_PORT" "$SL_SOCK" "$SL_TRAP_PORT" || die "snmpd did not start"
echo "service: snmpd on udp:127.0.0.1:$SL_PORT, AgentX unix:$SL_SOCK (pid $SL_SNMPD_PID)"

SCEP_URL=http://127.0.0.1:$scep_port/scep
SCEP_CA_FPR=$(openssl x509 -in "$tmp/scep/depot/ca.pem" -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f')

# The commands of the local config: each appends one line to the file named
# by its first argument (with the key name and usage from the environment).
SL_BIN=$tmp/bin
mkdir -p "$SL_BIN" || die "cannot create $SL_BIN"
cat >"$SL_BIN/restart.sh" <<'EOF'
#!/bin/sh
echo "restart key=$SCEP_KEY_NAME usage=$SCEP_USAGE" >>"$1"
EOF
cat >"$SL_BIN/reload.sh" <<'EOF'
#!/bin/sh
echo "reload $2 key=$SCEP_KEY_NAME cert=$SCEP_CERT_FILE" >>"$1"
EOF
chmod 755 "$SL_BIN/restart.sh" "$SL_BIN/reload.sh"

export SL_DIR SL_PORT SL_TRAP_PORT SL_SOCK SL_TRAPS SL_BIN SCEPAGENTD FAULTSRV SCEP_URL \
    SCEP_CHALLENGE SCEP_CA_FPR
echo "env: SL_PORT=$SL_PORT SL_TRAP_PORT=$SL_TRAP_PORT SL_SOCK=$SL_SOCK SCEP_URL=$SCEP_URL"

# --- smoke checks ----------------------------------------------------------------
ver=$("$SCEPAGENTD" -v 2>&1)
sl_match "scepagentd -v prints the version" "$ver" "scepagentd*Net-SNMP*"
if "$SCEPAGENTD" -h 2>&1 | grep -q -- "-x ADDRESS"; then
    tl_pass "scepagentd -h shows the options"
else
    tl_fail "scepagentd -h shows the options"
fi

got=$(snmpget -m '' -On -Oqv -t 2 -r 1 -v2c -c public "127.0.0.1:$SL_PORT" .1.3.6.1.2.1.1.3.0 2>&1)
sl_match "snmpd answers v2c" "$got" "*:*"
got=$(sl_get .1.3.6.1.2.1.1.3.0 2>&1)
sl_match "snmpd answers v3 authPriv (admin)" "$got" "*:*"

sl_agent_conf_std "$tmp/smoke"
if sl_agent_start "$tmp/smoke" -p "$tmp/smoke/agent.pid"; then
    tl_pass "scepagentd connects to the master and answers"
    sl_eq "scepcHistMaxEntries is 20" "$(sl_get "$(sl_mib 1.4.1.0)")" 20
    sl_eq "scepcKeyStoreCapacity from the config" "$(sl_get "$(sl_mib 1.5.1.0)")" 10
    sl_eq "pid file holds the pid" "$(cat "$tmp/smoke/agent.pid" 2>/dev/null)" "$SL_AGENT_PID"
    sl_agent_stop
    rc=$?
    sl_eq "SIGTERM stops scepagentd cleanly (exit 0)" "$rc" 0
    if [ ! -e "$tmp/smoke/agent.pid" ]; then
        tl_pass "the pid file is removed at exit"
    else
        tl_fail "the pid file is removed at exit"
    fi
else
    tl_fail "scepagentd connects to the master and answers"
    sl_agent_stop
fi

# --- hooks: agent.d/*.sh ------------------------------------------------------------
for hook in "$srcdir"/agent.d/*.sh; do
    [ -f "$hook" ] || continue
    name=$(basename "$hook" .sh)
    if [ -n "$AGENT_TESTS" ]; then
        _sel=0
        for _w in $AGENT_TESTS; do
            case "$name" in "$_w"*) _sel=1 ;; esac
        done
        [ "$_sel" = 1 ] || continue
    fi
    case $name in # valgrind: only from scripts/check's valgrind stage
    *-valgrind) [ "${VALGRIND_E2E:-0}" = 1 ] || continue ;;
    esac
    HOOK_DIR=$tmp/$name
    export HOOK_DIR
    mkdir -p "$HOOK_DIR"
    _htime=${AGENT_HOOK_TIMEOUT:-300}
    case $name in # the kill loop: about 5 s a round
    14-*) [ $((${KILL_LOOPS:-30} * 10)) -le "$_htime" ] || _htime=$((${KILL_LOOPS:-30} * 10)) ;;
    esac
    tl_run_hook "$name" "$_htime" "$SCEP_SH" "$hook"
done

tl_summary

# lib.sh - POSIX sh helpers for the integration tests (sourced, not run).
#
# Usage:   . "$srcdir/lib.sh"
#
# Provides
#   tl_pass NAME / tl_fail NAME MSG / tl_summary     test counters
#   tl_free_port                                      print a free TCP port
#   tl_port VAR                                       same, into VAR (no subshell)
#   tl_wait_port PORT [SECS [PID]]                    wait until PORT listens
#   tl_scepserver_start DIR PORT CHALLENGE [ARGS...]  real scepserver, fresh depot
#   tl_stunnel_start DIR ACCEPT CONNECT CERT KEY      TLS front end (stunnel4)
#   tl_make_tls_certs DIR                             test CA, trusted + untrusted certs
#   tl_spawn LOGFILE CMD [ARGS...]                    any other daemon, kept as a child
#   tl_cleanup                                        stop every child and reap it
#
# Daemons are started in the background of the sourcing shell, so they stay
# its children: tl_cleanup can `wait` for them (TESTBED.md: daemons reparented
# to PID 1 are reaped late and `kill -0` succeeds on the zombie). Never call
# the start functions inside $(...): the daemon would belong to a subshell.
# The pid of the last daemon started is in TL_LAST_PID.
#
# Set TL_TMPDIR to a directory to have tl_cleanup remove it (unless
# SCEP_KEEP=1, then its path is printed).

TL_NPASS=0
TL_NFAIL=0
TL_PIDS=
TL_PORTS=
TL_LAST_PID=
TL_TMPDIR=
TL_CLEANED=

tl_log()
{
    printf '%s\n' "$*"
}

tl_pass()
{
    TL_NPASS=$((TL_NPASS + 1))
    tl_log "PASS: $1"
}

tl_fail()
{
    TL_NFAIL=$((TL_NFAIL + 1))
    tl_log "FAIL: $1${2:+: $2}"
}

# Print "N passed, M failed"; non-zero on any failure or when nothing ran.
# tl_run_hook NAME TIMEOUT CMD...: run one test hook, print its output with
# "NAME: " in front, and add its last "N passed, M failed" line to the counts
# (a hook without one counts as one test decided by its exit status).
tl_run_hook()
{
    _hname=$1 _htimeout=$2
    shift 2
    echo "== hook $_hname"
    _hout=${TL_TMPDIR:-/tmp}/hook-$_hname.out
    timeout --foreground -k 10 "$_htimeout" "$@" >"$_hout" 2>&1
    _hrc=$?
    sed "s|^|$_hname: |" "$_hout"
    _hcounts=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
        "$_hout" | tail -n 1)
    if [ -n "$_hcounts" ]; then
        _hpass=${_hcounts% *}
        _hfail=${_hcounts#* }
        TL_NPASS=$((TL_NPASS + _hpass))
        TL_NFAIL=$((TL_NFAIL + _hfail))
        if [ "$_hrc" != 0 ] && [ "$_hfail" = 0 ]; then
            tl_fail "hook $_hname" "exit status $_hrc"
        fi
    elif [ "$_hrc" = 0 ]; then
        tl_pass "hook $_hname"
    else
        tl_fail "hook $_hname" "exit status $_hrc"
    fi
}

tl_summary()
{
    tl_log "$TL_NPASS passed, $TL_NFAIL failed"
    if [ "$TL_NFAIL" -ne 0 ]; then
        return 1
    fi
    if [ "$TL_NPASS" -eq 0 ]; then
        tl_log "no tests ran"
        return 1
    fi
    return 0
}

# True when something listens on TCP PORT (any address).
tl_port_listening()
{
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
        return
    fi
    # No ss: /proc/net/tcp{,6}, column 2 is ADDR:PORT in hex, state 0A = LISTEN.
    _tl_hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p=":$_tl_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
                              END { exit !f }'
}

# Print a random TCP port in 20000-60000 that nothing listens on and that
# this shell has not handed out before.
tl_free_port()
{
    _tl_n=0
    while [ "$_tl_n" -lt 200 ]; do
        _tl_n=$((_tl_n + 1))
        _tl_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
        _tl_p=$((20000 + _tl_r % 40001))
        case " $TL_PORTS " in
        *" $_tl_p "*) continue ;;
        esac
        if ! tl_port_listening "$_tl_p"; then
            TL_PORTS="$TL_PORTS $_tl_p"
            echo "$_tl_p"
            return 0
        fi
    done
    echo "tl_free_port: no free port found" >&2
    return 1
}

# tl_port VAR: set VAR to a free port; unlike $(tl_free_port), later calls
# in this shell never return the same port again.
tl_port()
{
    _tl_got=$(tl_free_port) || return 1
    TL_PORTS="$TL_PORTS $_tl_got"
    eval "$1=\$_tl_got"
}

# True while PID runs (a zombie counts as gone).
tl_alive()
{
    [ -r "/proc/$1/stat" ] || return 1
    _tl_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$_tl_st" ] && [ "$_tl_st" != Z ] && [ "$_tl_st" != X ]
}

# Wait until something listens on PORT; SECS (default 10) deadline. With
# PID, give up as soon as that process has died.
tl_wait_port()
{
    _tl_left=$((${2:-10} * 10))
    while [ "$_tl_left" -gt 0 ]; do
        if tl_port_listening "$1"; then
            return 0
        fi
        if [ -n "$3" ] && ! tl_alive "$3"; then
            echo "tl_wait_port: process $3 died before listening on port $1" >&2
            return 1
        fi
        sleep 0.1
        _tl_left=$((_tl_left - 1))
    done
    echo "tl_wait_port: nothing listens on port $1 after ${2:-10} s" >&2
    return 1
}

# Start CMD in the background as a child of this shell, stdout+stderr to
# LOGFILE. Sets TL_LAST_PID.
tl_spawn()
{
    _tl_logf=$1
    shift
    "$@" >"$_tl_logf" 2>&1 </dev/null &
    TL_LAST_PID=$!
    TL_PIDS="$TL_PIDS $TL_LAST_PID"
}

# Print the last lines of a log after a failed start.
tl_show_log()
{
    if [ -f "$1" ]; then
        echo "--- $1 (tail)" >&2
        tail -n 20 "$1" >&2
        echo "---" >&2
    fi
}

# tl_scepserver_start DIR PORT CHALLENGE [extra scepserver args]
# A fresh CA in DIR/depot (2048-bit, fast), then the server on PORT; logs in
# DIR/scepserver-PORT.log. Waits until it listens.
tl_scepserver_start()
{
    _tl_dir=$1
    _tl_port=$2
    _tl_chal=$3
    shift 3
    mkdir -p "$_tl_dir" || return 1
    if [ -e "$_tl_dir/depot" ]; then
        echo "tl_scepserver_start: $_tl_dir/depot exists (a fresh depot per server)" >&2
        return 1
    fi
    if ! scepserver ca -init -depot "$_tl_dir/depot" -keySize 2048 \
        >"$_tl_dir/ca-init.log" 2>&1; then
        tl_show_log "$_tl_dir/ca-init.log"
        return 1
    fi
    tl_spawn "$_tl_dir/scepserver-$_tl_port.log" \
        scepserver -depot "$_tl_dir/depot" -port "$_tl_port" -challenge "$_tl_chal" \
        -allowrenew 0 "$@"
    if ! tl_wait_port "$_tl_port" 15 "$TL_LAST_PID"; then
        tl_show_log "$_tl_dir/scepserver-$_tl_port.log"
        return 1
    fi
    return 0
}

# tl_stunnel_start DIR ACCEPT_PORT CONNECT_PORT CERT KEY
# TLS on 127.0.0.1:ACCEPT_PORT forwarded to 127.0.0.1:CONNECT_PORT.
tl_stunnel_start()
{
    _tl_dir=$1
    _tl_conf="$1/stunnel-$2.conf"
    mkdir -p "$_tl_dir" || return 1
    _tl_bin=stunnel4
    command -v stunnel4 >/dev/null 2>&1 || _tl_bin=stunnel
    cat >"$_tl_conf" <<EOF
foreground = yes
pid = $_tl_dir/stunnel-$2.pid
debug = notice
[scep-$2]
accept = 127.0.0.1:$2
connect = 127.0.0.1:$3
cert = $4
key = $5
EOF
    tl_spawn "$_tl_dir/stunnel-$2.log" "$_tl_bin" "$_tl_conf"
    if ! tl_wait_port "$2" 15 "$TL_LAST_PID"; then
        tl_show_log "$_tl_dir/stunnel-$2.log"
        return 1
    fi
    return 0
}

# tl_make_tls_certs DIR
# DIR/ca.pem + ca.key: a test root CA; DIR/server.pem + server.key: CN and
# SAN 127.0.0.1 / localhost, signed by that CA (trusted when ca.pem is the
# bundle); DIR/untrusted.pem + untrusted.key: self-signed, same names.
tl_make_tls_certs()
{
    _tl_d=$1
    mkdir -p "$_tl_d" || return 1
    cat >"$_tl_d/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_selfsigned]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
EOF
    (
        cd "$_tl_d" || exit 1
        set -e
        _c=openssl.cnf
        openssl req -x509 -config $_c -extensions v3_ca -newkey rsa:2048 -nodes \
            -keyout ca.key -out ca.pem -days 30 -subj "/CN=scep-agentx test root CA"
        openssl req -new -config $_c -newkey rsa:2048 -nodes \
            -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
            -days 30 -extfile $_c -extensions v3_server -out server.pem
        openssl req -x509 -config $_c -extensions v3_selfsigned -newkey rsa:2048 -nodes \
            -keyout untrusted.key -out untrusted.pem -days 30 -subj "/CN=127.0.0.1"
        chmod 600 ca.key server.key untrusted.key
    ) >"$_tl_d/openssl.log" 2>&1 || {
        tl_show_log "$_tl_d/openssl.log"
        return 1
    }
}

# Stop every child started by tl_spawn (TERM, then KILL after 5 s) and reap
# it; remove TL_TMPDIR unless SCEP_KEEP=1. Safe to call more than once.
tl_cleanup()
{
    [ -n "$TL_CLEANED" ] && return 0
    TL_CLEANED=1
    for _tl_pid in $TL_PIDS; do
        kill -TERM "$_tl_pid" 2>/dev/null
    done
    for _tl_pid in $TL_PIDS; do
        _tl_left=50
        while [ "$_tl_left" -gt 0 ] && tl_alive "$_tl_pid"; do
            sleep 0.1
            _tl_left=$((_tl_left - 1))
        done
        if tl_alive "$_tl_pid"; then
            echo "tl_cleanup: pid $_tl_pid ignored SIGTERM, killing it" >&2
            kill -KILL "$_tl_pid" 2>/dev/null
        fi
        wait "$_tl_pid" 2>/dev/null
    done
    TL_PIDS=
    if [ -n "$TL_TMPDIR" ] && [ -d "$TL_TMPDIR" ]; then
        if [ "${SCEP_KEEP:-0}" = 1 ]; then
            echo "kept: $TL_TMPDIR"
        else
            rm -rf "$TL_TMPDIR"
        fi
    fi
    return 0
}

tl_on_exit()
{
    _tl_rc=$?
    tl_cleanup
    exit "$_tl_rc"
}

trap tl_on_exit EXIT
trap 'tl_cleanup; trap - EXIT; exit 130' INT
trap 'tl_cleanup; trap - EXIT; exit 143' TERM

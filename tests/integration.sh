#!/bin/sh
# integration.sh - run the integration tests against real servers.
#
# Run by `make check` (env: srcdir, top_builddir, top_srcdir). Starts, inside a
# private network namespace when the machine allows one (scepserver listens
# on every interface, TESTBED.md):
#   A  scepserver, challenge "integration-secret"
#   B  scepserver whose CSR verifier sleeps 3 s (client timeout tests)
#   C  stunnel in front of A with a certificate signed by a test root CA
#   D  stunnel in front of A with a self-signed certificate (untrusted)
# then runs a few smoke checks, $top_builddir/tests/test_integration (CUnit)
# and every executable $srcdir/integration.d/*.sh hook with the SCEP_*
# variables below exported. Everything lives in one temp dir, removed at the
# end unless SCEP_KEEP=1. SCEP_TEST_WRAPPER (e.g. "valgrind -q ...") is put
# in front of test_integration.

# --- a private network namespace, or the documented fallback (netns.sh) -----
. "$(dirname "$0")/netns.sh"

: "${srcdir:=$(dirname "$0")}"
: "${top_builddir:=..}"
srcdir=$(cd "$srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99
export srcdir top_builddir

. "$srcdir/lib.sh"

if [ "$SCEP_IN_NETNS" = 1 ]; then
    if ! ip link set lo up; then
        echo "integration: cannot bring up lo in the namespace" >&2
        exit 99
    fi
    echo "integration: running in a private network namespace (${SCEP_NETNS_HOW:-set up by the caller}, only lo)"
else
    echo "integration: no network namespace available, falling back to 127.0.0.1 on random ports"
fi

for _tool in scepserver openssl curl; do
    if ! command -v "$_tool" >/dev/null 2>&1; then
        echo "integration: $_tool is missing (scripts/check installs it)" >&2
        exit 99
    fi
done
if ! command -v stunnel4 >/dev/null 2>&1 && ! command -v stunnel >/dev/null 2>&1; then
    echo "integration: stunnel4 is missing (scripts/check installs it)" >&2
    exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scep-integration-XXXXXX") || exit 99
TL_TMPDIR=$tmp

die()
{
    echo "integration: $*" >&2
    exit 99
}

# --- services --------------------------------------------------------------
SCEP_CHALLENGE=integration-secret
for _v in port_a port_b port_c port_d port_closed; do
    tl_port "$_v" || die "no free port"
done

tl_scepserver_start "$tmp/scep-a" "$port_a" "$SCEP_CHALLENGE" ||
    die "scepserver A did not start"
echo "service: scepserver on 127.0.0.1:$port_a (pid $TL_LAST_PID, depot $tmp/scep-a/depot)"

# The verifier must be executable; a copy survives checkouts without modes.
if ! cp "$srcdir/slow-verifier.sh" "$tmp/slow-verifier.sh" ||
    ! chmod 755 "$tmp/slow-verifier.sh"; then
    die "cannot copy slow-verifier.sh"
fi
tl_scepserver_start "$tmp/scep-b" "$port_b" "$SCEP_CHALLENGE" \
    -csrverifierexec "$tmp/slow-verifier.sh" ||
    die "scepserver B (slow verifier) did not start"
echo "service: scepserver (slow CSR verifier, 3 s) on 127.0.0.1:$port_b (pid $TL_LAST_PID)"

tl_make_tls_certs "$tmp/tls" || die "cannot make the test TLS certificates"
tl_stunnel_start "$tmp/tls" "$port_c" "$port_a" "$tmp/tls/server.pem" "$tmp/tls/server.key" ||
    die "stunnel (trusted) did not start"
echo "service: stunnel https (trusted test CA) on 127.0.0.1:$port_c -> $port_a (pid $TL_LAST_PID)"
tl_stunnel_start "$tmp/tls" "$port_d" "$port_a" "$tmp/tls/untrusted.pem" \
    "$tmp/tls/untrusted.key" || die "stunnel (untrusted) did not start"
echo "service: stunnel https (self-signed) on 127.0.0.1:$port_d -> $port_a (pid $TL_LAST_PID)"

SCEP_CA_FPR=$(openssl x509 -in "$tmp/scep-a/depot/ca.pem" -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//; s/://g' | tr 'A-F' 'a-f')

SCEP_URL=http://127.0.0.1:$port_a/scep
SCEP_URL_SLOW=http://127.0.0.1:$port_b/scep
SCEP_URL_HTTPS=https://127.0.0.1:$port_c/scep
SCEP_URL_HTTPS_UNTRUSTED=https://127.0.0.1:$port_d/scep
SCEP_TLS_CABUNDLE=$tmp/tls/ca.pem
SCEP_CA_PEM=$tmp/scep-a/depot/ca.pem
SCEP_CLOSED_URL=http://127.0.0.1:$port_closed/scep
SCEP_WRONG_PATH_URL=http://127.0.0.1:$port_a/nope
FAULTSRV=$top_builddir/tests/faultsrv
SCEPTOOL=$top_builddir/tools/sceptool
SCEP_WORKDIR=$tmp/work
mkdir -p "$SCEP_WORKDIR" || die "cannot create $SCEP_WORKDIR"
export SCEP_URL SCEP_URL_SLOW SCEP_URL_HTTPS SCEP_URL_HTTPS_UNTRUSTED SCEP_TLS_CABUNDLE \
    SCEP_CHALLENGE SCEP_CA_FPR SCEP_CA_PEM SCEP_CLOSED_URL SCEP_WRONG_PATH_URL FAULTSRV \
    SCEPTOOL SCEP_WORKDIR
env | grep '^SCEP_' | grep -v '^SCEP_CHALLENGE=' | sort | sed 's/^/env: /'

# --- smoke checks of the testbed itself -------------------------------------
caps=$(curl -s --max-time 10 "$SCEP_URL?operation=GetCACaps")
case "$caps" in
*POSTPKIOperation*) tl_pass "scepserver GetCACaps over http" ;;
*) tl_fail "scepserver GetCACaps over http" "got '$caps'" ;;
esac

caps=$(curl -s --max-time 10 "$SCEP_URL_SLOW?operation=GetCACaps")
case "$caps" in
*POSTPKIOperation*) tl_pass "slow scepserver GetCACaps" ;;
*) tl_fail "slow scepserver GetCACaps" "got '$caps'" ;;
esac

code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$SCEP_WRONG_PATH_URL?operation=GetCACaps")
if [ "$code" = 404 ]; then
    tl_pass "wrong path gives 404"
else
    tl_fail "wrong path gives 404" "HTTP $code"
fi

caps=$(curl -s --max-time 10 --cacert "$SCEP_TLS_CABUNDLE" "$SCEP_URL_HTTPS?operation=GetCACaps")
case "$caps" in
*POSTPKIOperation*) tl_pass "https with the test CA bundle" ;;
*) tl_fail "https with the test CA bundle" "got '$caps'" ;;
esac

curl -s --max-time 10 --cacert "$SCEP_TLS_CABUNDLE" -o /dev/null \
    "$SCEP_URL_HTTPS_UNTRUSTED?operation=GetCACaps"
rc=$?
if [ "$rc" = 60 ]; then
    tl_pass "https self-signed certificate fails verification"
else
    tl_fail "https self-signed certificate fails verification" "curl exit $rc, wanted 60"
fi
caps=$(curl -s -k --max-time 10 "$SCEP_URL_HTTPS_UNTRUSTED?operation=GetCACaps")
case "$caps" in
*POSTPKIOperation*) tl_pass "https self-signed endpoint is up (curl -k)" ;;
*) tl_fail "https self-signed endpoint is up (curl -k)" "got '$caps'" ;;
esac

curl -s --max-time 10 -o /dev/null "$SCEP_CLOSED_URL?operation=GetCACaps"
rc=$?
if [ "$rc" = 7 ]; then
    tl_pass "closed port refuses connections"
else
    tl_fail "closed port refuses connections" "curl exit $rc, wanted 7"
fi

if printf '%s\n' "$SCEP_CA_FPR" | grep -Eq '^[0-9a-f]{64}$'; then
    tl_pass "CA fingerprint is 64 lowercase hex"
else
    tl_fail "CA fingerprint is 64 lowercase hex" "got '$SCEP_CA_FPR'"
fi

# --- the CUnit integration tests ---------------------------------------------
# Counted by scripts/check from the CUnit "Run Summary"; here only its exit
# status decides whether the script fails.
prog_failed=0
prog=$top_builddir/tests/test_integration
if [ -x "$prog" ]; then
    echo "== test_integration"
    # shellcheck disable=SC2086 # the wrapper is a command line
    timeout --foreground -k 10 "${SCEP_INTEGRATION_TIMEOUT:-900}" $SCEP_TEST_WRAPPER "$prog"
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "FAIL: test_integration exited with $rc"
        prog_failed=1
    fi
else
    tl_fail "test_integration" "$prog is missing (make check builds it)"
fi

# --- hooks: integration.d/*.sh ----------------------------------------------
# Each hook runs with $SCEP_SH ($SHELL) in this namespace and environment. Its last
# "N passed, M failed" line is added to the counts; a hook without one
# counts as one test decided by its exit status. Its output is prefixed with
# its name.
for hook in "$srcdir"/integration.d/*.sh; do
    [ -f "$hook" ] || continue
    name=$(basename "$hook" .sh)
    if [ ! -x "$hook" ]; then
        echo "integration: skipping $hook (not executable)"
        continue
    fi
    tl_run_hook "$name" "${SCEP_INTEGRATION_TIMEOUT:-900}" "$SCEP_SH" "$hook"
done

rc=0
tl_summary || rc=1
[ "$prog_failed" = 0 ] || rc=1
exit "$rc"

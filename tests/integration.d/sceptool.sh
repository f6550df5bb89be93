#!/bin/sh
# sceptool.sh - the sceptool command line against the real scepserver and
# faultsrv: output, exit codes per error class (sceptool(1)), files written.
# Run by integration.sh with the SCEP_* variables exported.
. "$srcdir/lib.sh"

w=$SCEP_WORKDIR/sceptool
mkdir -p "$w" || exit 99
printf '%s\n' "$SCEP_CHALLENGE" >"$w/challenge"
printf 'wrong-challenge\n' >"$w/wrong"

# run NAME WANT_EXIT cmd...: output in $w/out, $w/err
run()
{
    _name=$1 _want=$2
    shift 2
    "$@" >"$w/out" 2>"$w/err"
    _rc=$?
    if [ "$_rc" = "$_want" ]; then
        tl_pass "$_name (exit $_rc)"
        return 0
    fi
    tl_fail "$_name" "exit $_rc, wanted $_want; stderr: $(head -c 300 "$w/err")"
    return 1
}

expect()
{
    # expect NAME FILE PATTERN
    if grep -q -- "$3" "$2"; then
        tl_pass "$1"
    else
        tl_fail "$1" "'$3' not in $(basename "$2"): $(head -c 300 "$2")"
    fi
}

T=$SCEPTOOL
run "--help" 0 "$T" --help
expect "--help lists the commands" "$w/out" "getcaps"
run "no command is a usage error" 1 "$T" --url "$SCEP_URL"
# There is no option that takes the secret itself: --challenge is only an
# abbreviation of --challenge-file, so the word is read as a file name.
run "no challenge on the command line" 2 "$T" --url "$SCEP_URL" --challenge not-a-file getcaps
expect "the word after --challenge is a file name" "$w/err" "not-a-file: No such file"

run "getcaps" 0 "$T" --url "$SCEP_URL" getcaps
expect "getcaps shows POSTPKIOperation" "$w/out" "POSTPKIOperation"
expect "getcaps shows the cipher" "$w/out" "cipher: AES-128-CBC"

run "getca" 0 "$T" --url "$SCEP_URL" --out "$w/ca.pem" getca
expect "getca prints the CA fingerprint" "$w/out" "sha256: $SCEP_CA_FPR"
if cmp -s "$w/ca.pem" "$SCEP_CA_PEM"; then
    tl_pass "getca --out writes the CA certificate"
else
    tl_fail "getca --out writes the CA certificate" "differs from the depot's ca.pem"
fi

S="--store $w/store"
run "enroll" 0 "$T" --url "$SCEP_URL" --ca-fingerprint "$SCEP_CA_FPR" $S --name web \
    --cn web.example --org "Example Org" --usage tls --challenge-file "$w/challenge" enroll
expect "enroll prints the subject" "$w/out" "subject: .*CN=web.example"
mode=$(stat -c %a "$w/store/web.key" 2>/dev/null)
if [ "$mode" = 600 ]; then
    tl_pass "key file mode 0600"
else
    tl_fail "key file mode 0600" "mode '$mode'"
fi
if ! grep -rq -- "$SCEP_CHALLENGE" "$w/store" "$w/out" "$w/err"; then
    tl_pass "the challenge is in no output and no file of the store"
else
    tl_fail "the challenge is in no output and no file of the store" "found"
fi

run "renew" 0 "$T" --url "$SCEP_URL" $S --name web --cn web.example \
    --challenge-file "$w/challenge" renew
expect "renew prints the key" "$w/out" "name: web"
# The README's form: no --cn; the stored certificate's subject is used.
run "renew as in the README (no --cn)" 0 "$T" --url "$SCEP_URL" $S --name web \
    --challenge-file "$w/challenge" renew
expect "  the subject is kept" "$w/out" "CN=web.example"

run "enroll: existing name" 8 "$T" --url "$SCEP_URL" $S --name web --cn web.example \
    --challenge-file "$w/challenge" enroll
run "wrong challenge" 4 "$T" --url "$SCEP_URL" $S --name bad --cn bad.example \
    --challenge-file "$w/wrong" enroll
expect "wrong challenge: T3 detail" "$w/err" "Communication error (SCEP ERROR Fail Info 2)"
if [ ! -e "$w/store/bad.key" ]; then
    tl_pass "a failed request leaves no key"
else
    tl_fail "a failed request leaves no key" "bad.key exists"
fi
run "closed port" 3 "$T" --url "$SCEP_CLOSED_URL" getcaps
expect "closed port: T3 detail" "$w/err" "Communication error (TCP ERROR)"
run "wrong path" 3 "$T" --url "$SCEP_WRONG_PATH_URL" getcaps
expect "wrong path: TCP ERROR 404" "$w/err" "Communication error (TCP ERROR 404)"
run "wrong CA pin" 7 "$T" --url "$SCEP_URL" \
    --ca-fingerprint 0000000000000000000000000000000000000000000000000000000000000000 getca
run "invalid key length" 2 "$T" --url "$SCEP_URL" $S --name x --cn x.example --bits 1000 enroll
run "invalid CN" 2 "$T" --url "$SCEP_URL" $S --name x --cn "bad cn" \
    --challenge-file "$w/challenge" enroll
run "invalid --name" 2 "$T" --url "$SCEP_URL" $S --name "bad/name" --cn x.example \
    --challenge-file "$w/challenge" enroll
run "invalid --timeout" 2 "$T" --url "$SCEP_URL" --timeout 0 getcaps
run "invalid --port" 2 "$T" --url "$SCEP_URL" --port 70000 getcaps
run "invalid --hash" 2 "$T" --url "$SCEP_URL" --hash md5 getcaps
run "unknown option is a usage error" 1 "$T" --url "$SCEP_URL" --frobnicate getcaps
run "URL with a #fragment" 2 "$T" --url "$SCEP_URL#x" getcaps
# The Debian scepserver announces SCEPStandard: --require-standard enrolls.
run "enroll --require-standard (SCEPStandard announced)" 0 "$T" --url "$SCEP_URL" $S \
    --name std1 --cn std1.example --challenge-file "$w/challenge" --require-standard enroll

# PENDING then poll, with the fault server.
"$FAULTSRV" -p 0 -m pending:2 >"$w/fault.out" 2>"$w/fault.err" &
fpid=$!
i=0
while ! grep -q '^PORT ' "$w/fault.out" && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
fport=$(sed -n 's/^PORT //p' "$w/fault.out")
F="--url http://127.0.0.1:$fport/scep"
run "enroll: pending" 5 "$T" $F $S --name pend --cn pend.example \
    --challenge-file "$w/challenge" enroll
expect "pending: transaction saved" "$w/err" "transactionID [0-9a-f]\{64\}"
run "poll: still pending" 5 "$T" $F $S --name pend poll
run "poll: issued" 0 "$T" $F $S --name pend poll
expect "poll: key stored" "$w/out" "name: pend"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

# A server that offers only triple DES and SHA-1: --require-standard refuses it
# before any PKIOperation.
"$FAULTSRV" -p 0 -c "DES3 SHA-1 POSTPKIOperation" >"$w/fault2.out" 2>"$w/fault2.err" &
fpid=$!
i=0
while ! grep -q '^PORT ' "$w/fault2.out" && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
fport=$(sed -n 's/^PORT //p' "$w/fault2.out")
run "enroll --require-standard, no SCEPStandard: refused" 2 "$T" \
    --url "http://127.0.0.1:$fport/scep" $S --name old1 --cn old1.example \
    --challenge-file "$w/challenge" --require-standard enroll
expect "  the reason names SCEPStandard" "$w/err" "SCEPStandard"
sl_n=$(grep -c 'PKIOperation' "$w/fault2.err")
if [ "$sl_n" = 0 ]; then
    tl_pass "  no PKIOperation was sent"
else
    tl_fail "  no PKIOperation was sent" "$sl_n"
fi
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

tl_summary

#!/bin/sh
# capture.sh - seeds from the real Debian scepserver (package scep): its
# GetCACaps, GetCACert and CertReps answering the PKCSReq of the fixed
# context (fuzzctx.h), served with the CA of fixtures/, plus the decrypted
# content of its SUCCESS envelopes for fuzz_envelope. Run by
# `scripts/fuzz --capture` (after building build-fuzz/), in a private network
# namespace (tests/netns.sh: scepserver listens on every interface).
#
#   tests/fuzz/capture.sh BUILDDIR
#
# Writes tests/fuzz/corpus/fuzz_{caps,cacert,certrep,envelope}/debian-*.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns.sh"
. "$here/../lib.sh"
set -u
[ "$SCEP_IN_NETNS" = 1 ] && ip link set lo up
capture=${1:?usage: capture.sh BUILDDIR}/tests/fuzz/fuzz_capture
out=$here/corpus
fx=$here/fixtures
for p in "$capture" scepserver openssl; do
    command -v "$p" >/dev/null 2>&1 || {
        echo "capture: $p is missing" >&2
        exit 1
    }
done
TL_TMPDIR=$(mktemp -d) || exit 1
tmp=$TL_TMPDIR
trap tl_cleanup EXIT
export ASAN_OPTIONS=detect_leaks=0
fails=0

# run TAG CHALLENGE [scepserver args]: one scepserver with the fixture CA
# (its key as scepserver keeps it: PKCS#1, DES-EDE3, -capass), one capture.
run()
{
    tag=$1 chal=$2
    shift 2
    rm -rf "$tmp/depot" && mkdir "$tmp/depot" || return 1
    openssl x509 -in "$fx/ca.pem" -out "$tmp/depot/ca.pem" &&
        openssl pkey -in "$fx/ca.pem" -traditional -des3 -passout pass:fuzz-capture \
            -out "$tmp/depot/ca.key" || return 1
    tl_port port
    tl_spawn "$tmp/scepserver-$tag.log" scepserver -depot "$tmp/depot" -port "$port" \
        -capass fuzz-capture -challenge fuzz-secret -allowrenew 0 "$@"
    pid=$TL_LAST_PID
    if ! tl_wait_port "$port" 15 "$pid"; then
        tl_show_log "$tmp/scepserver-$tag.log"
        fails=$((fails + 1))
    elif ! "$capture" "http://127.0.0.1:$port/scep" "$tmp/c" "debian-$tag" "$chal"; then
        echo "capture: debian-$tag: incomplete"
        fails=$((fails + 1))
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

run success fuzz-secret
run badchallenge wrong-secret
run expired fuzz-secret -crtvalid 0

# Every run sends the same caps and CA certificate: one copy each.
mkdir -p "$out/fuzz_caps" "$out/fuzz_cacert" "$out/fuzz_certrep" "$out/fuzz_envelope"
cp "$tmp/c/fuzz_caps/debian-success" "$out/fuzz_caps/debian" &&
    cp "$tmp/c/fuzz_cacert/debian-success" "$out/fuzz_cacert/debian" &&
    cp "$tmp/c/fuzz_certrep"/debian-* "$out/fuzz_certrep/" || fails=$((fails + 1))
# The envelope content of the SUCCESS answers (single DES: legacy provider).
for t in success expired; do
    openssl cms -verify -noverify -inform DER -binary -in "$tmp/c/fuzz_certrep/debian-$t" \
        -out "$tmp/env" 2>/dev/null &&
        openssl cms -decrypt -provider legacy -provider default -inform DER -binary \
            -in "$tmp/env" -recip "$fx/client.pem" -inkey "$fx/client.pem" \
            -out "$out/fuzz_envelope/debian-$t" || {
        echo "capture: cannot open the envelope of debian-$t"
        fails=$((fails + 1))
    }
done
echo "capture: seeds of the Debian scepserver in $out ($fails failed)"
[ "$fails" -eq 0 ]

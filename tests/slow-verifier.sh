#!/bin/sh
# slow-verifier.sh - CSR verifier for scepserver -csrverifierexec that accepts
# every CSR after 3 s: a slow SCEP server for client timeout tests.
cat >/dev/null
sleep 3
exit 0

#!/bin/sh
# test_man.sh - the manual pages: groff -man -ww -z prints nothing for each
# (no warning of any kind), and scepagentd.conf(5) documents every keyword
# agent/conf.c accepts, and no keyword it does not.
set -u
top_srcdir=${top_srcdir:-..}
npass=0
nfail=0
ok()
{
    npass=$((npass + 1))
    echo "PASS: $1"
}
not_ok()
{
    nfail=$((nfail + 1))
    echo "FAIL: $1${2:+: $2}"
}
if ! command -v groff >/dev/null 2>&1; then
    echo "SKIP: groff is not installed (Debian: groff-base)"
    exit 77
fi
for m in agent/scepagentd.8 agent/scepagentd.conf.5 tools/sceptool.1; do
    out=$(groff -man -ww -z "$top_srcdir/$m" 2>&1)
    if [ -z "$out" ]; then
        ok "groff -man -ww -z $m: clean"
    else
        not_ok "groff -man -ww -z $m: clean" "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
    fi
done
page=$top_srcdir/agent/scepagentd.conf.5
kws=$(grep -o 'KW("[A-Za-z]*")' "$top_srcdir/agent/conf.c" | sed 's/KW("\(.*\)")/\1/' | sort -u)
n=$(printf '%s\n' "$kws" | grep -c .)
[ "$n" -ge 15 ] && ok "conf.c has $n keywords" || not_ok "conf.c keywords found" "$n"
for k in $kws; do
    if grep -q -E "^\.B[IR]? $k( |$)" "$page"; then
        ok "scepagentd.conf(5) documents $k"
    else
        not_ok "scepagentd.conf(5) documents $k"
    fi
done
# the entries of the page: the line after each .TP (files are not keywords)
for k in $(awk 'prev == ".TP" && /^\.B[IR]? [a-z]/ { print $2 } { prev = $1 }' "$page" |
    sort -u); do
    if printf '%s\n' "$kws" | grep -q -x "$k"; then
        ok "$k (in the page) is a keyword of conf.c"
    else
        not_ok "$k (in the page) is a keyword of conf.c"
    fi
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]

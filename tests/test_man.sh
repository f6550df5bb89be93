#!/bin/sh
# test_man.sh - the manual pages: groff -man -ww -z prints nothing for each
# (no warning of any kind), and scepagentd.conf(5) documents every keyword
# agent/conf.c accepts, and no keyword it does not.
set -u
top_srcdir=${top_srcdir:-..}
srcdir=${srcdir:-.}
. "$srcdir/lib.sh"
if ! command -v groff >/dev/null 2>&1; then
    echo "SKIP: groff is not installed (Debian: groff-base)"
    exit 77
fi
for m in agent/scepagentd.8 agent/scepagentd.conf.5 tools/sceptool.1; do
    out=$(groff -man -ww -z "$top_srcdir/$m" 2>&1)
    if [ -z "$out" ]; then
        tl_pass "groff -man -ww -z $m: clean"
    else
        tl_fail "groff -man -ww -z $m: clean" "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
    fi
done
page=$top_srcdir/agent/scepagentd.conf.5
kws=$(grep -o 'KW("[A-Za-z]*")' "$top_srcdir/agent/conf.c" | sed 's/KW("\(.*\)")/\1/' | sort -u)
n=$(printf '%s\n' "$kws" | grep -c .)
if [ "$n" -ge 15 ]; then
    tl_pass "conf.c has $n keywords"
else
    tl_fail "conf.c keywords found" "$n"
fi
for k in $kws; do
    if grep -q -E "^\.B[IR]? $k( |$)" "$page"; then
        tl_pass "scepagentd.conf(5) documents $k"
    else
        tl_fail "scepagentd.conf(5) documents $k"
    fi
done
# the entries of the page: the line after each .TP (files are not keywords)
for k in $(awk 'prev == ".TP" && /^\.B[IR]? [a-z]/ { print $2 } { prev = $1 }' "$page" |
    sort -u); do
    if printf '%s\n' "$kws" | grep -q -x "$k"; then
        tl_pass "$k (in the page) is a keyword of conf.c"
    else
        tl_fail "$k (in the page) is a keyword of conf.c"
    fi
done
tl_summary

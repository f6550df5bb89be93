#!/bin/sh
# test_mib.sh - checks of mibs/SCEP-CLIENT-MIB.txt (SPEC U1, section 8):
#   - smilint -l 6 (and -l 9) prints nothing;
#   - snmptranslate loads it and shows the tree;
#   - the root arc is written in exactly one place;
#   - every descriptor is <= 32 characters and has the scepc prefix;
#   - the numeric OID, name, kind and access of every node equal
#     doc/mib-oids.golden, so an accidental renumbering fails.
#
# Run by `make check` (srcdir, top_srcdir set) or by hand from any directory.
# `sh tests/test_mib.sh --print-oids` prints the current list; after an
# intended change of the tree:
#   sh tests/test_mib.sh --print-oids > doc/mib-oids.golden
# (lines of the golden file starting with # are comments; --print-oids
# writes the header too).
# Base MIBs (SNMPv2-SMI ...): the system's when it has them, else
# $top_srcdir/../shared/mibs; BASE_MIBS (colon-separated) overrides both.
# Without any, the test skips (exit 77: make distcheck) unless
# REQUIRE_BASE_MIBS=1 (scripts/check), where it fails.
# POSIX sh: the test harness runs it with $(SHELL).

set -u

me=test_mib.sh
if [ -z "${srcdir:-}" ]; then
    srcdir=$(dirname "$0")
fi
if [ -z "${top_srcdir:-}" ]; then
    top_srcdir=$srcdir/..
fi
MIB=$top_srcdir/mibs/SCEP-CLIENT-MIB.txt
GOLDEN=$top_srcdir/doc/mib-oids.golden
MODULE=SCEP-CLIENT-MIB
ROOT_OID=1.3.6.1.4.1.8072.9999.9999.7237
ROOT_ARC=7237
MAXLEN=32
IMPORTED="SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMP-FRAMEWORK-MIB INET-ADDRESS-MIB NET-SNMP-MIB"

passed=0
failed=0
n=0

ok() {
    n=$((n + 1)); passed=$((passed + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - $1"
}

finish() {
    echo "$passed passed, $failed failed"
    if [ "$failed" -ne 0 ]; then
        exit 1
    fi
    exit 0
}

# Print the indented contents of file $1 (diagnostics), at most 40 lines.
show() {
    sed -n '1,40s/^/#   /p' "$1"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_mib.XXXXXX") || {
    echo "$me: cannot create a temporary directory"
    not_ok "temporary directory"
    finish
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Net-SNMP tools: no user or system snmp.conf (Debian's says `mibs :`), and
# no writes to /var/lib/snmp.
SNMPCONFPATH=$tmp/snmpconf
SNMP_PERSISTENT_DIR=$tmp/persist
export SNMPCONFPATH SNMP_PERSISTENT_DIR
unset MIBS MIBDIRS
LC_ALL=C
export LC_ALL
mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR/cert_indexes"

. "$srcdir/basemibs.sh"

# All nodes of the module in OID order: "oid name kind access", where kind is
# smidump's (node, scalar, table, row, column, notification, group,
# compliance) and access is read-only, read-write, not-accessible,
# accessible-for-notify, or - for nodes without a MAX-ACCESS.
# The OID and the name come from snmptranslate -Tz (what Net-SNMP, and so
# the agent, sees); kind and access from smidump.
print_oids() {
    snmptranslate -M "$PATHS" -m "$MODULE" -Tz 2>"$tmp/tz.err" \
        | tr -d '"' \
        | awk -v root="$ROOT_OID" '$2 == root || index($2, root ".") == 1 {
              print $2, $1 }' >"$tmp/tz" || return 1
    [ -s "$tmp/tz.err" ] && return 1
    SMIPATH=$PATHS smidump -c /dev/null -f identifiers "$MIB" \
        2>"$tmp/ids.err" >"$tmp/ids" || return 1
    [ -s "$tmp/ids.err" ] && return 1
    SMIPATH=$PATHS smidump -c /dev/null -f tree "$MIB" \
        2>"$tmp/tree.err" >"$tmp/tree" || return 1
    [ -s "$tmp/tree.err" ] && return 1
    awk '
        FILENAME == ARGV[1] {
            if ($1 == "'"$MODULE"'" && NF >= 4) kind[$2] = $3
            next
        }
        FILENAME == ARGV[2] {
            # "+-- rwn Type name(N)" lines of objects
            for (i = 1; i < NF; i++) {
                if ($i == "+--" && $(i + 1) ~ /^[-r][-w][-n]$/) {
                    a = $(i + 1); name = $NF
                    sub(/\(.*$/, "", name)
                    if (a ~ /^rw/) acc[name] = "read-write"
                    else if (a ~ /^r-/) acc[name] = "read-only"
                    else if (a == "--n") acc[name] = "accessible-for-notify"
                    else acc[name] = "not-accessible"
                    break
                }
            }
            next
        }
        {
            k = ($2 in kind) ? kind[$2] : "?"
            if (k == "table" || k == "row") ac = "not-accessible"
            else ac = ($2 in acc) ? acc[$2] : "-"
            print $1, $2, k, ac
        }' "$tmp/ids" "$tmp/tree" "$tmp/tz" \
        | sort -t . -k1,1n -k2,2n -k3,3n -k4,4n -k5,5n -k6,6n -k7,7n -k8,8n \
            -k9,9n -k10,10n -k11,11n -k12,12n -k13,13n -k14,14n -k15,15n \
            -k16,16n
}

# The MIB without its strings and comments, line by line (the line numbers
# stay the same).
strip_mib() {
    awk '
        {
            line = $0; out = ""
            while (line != "") {
                if (instr) {
                    p = index(line, "\"")
                    if (p == 0) { line = ""; break }
                    line = substr(line, p + 1); instr = 0
                    continue
                }
                q = index(line, "\""); c = index(line, "--")
                if (c > 0 && (q == 0 || c < q)) {
                    out = out " " substr(line, 1, c - 1)
                    # A second "--" on the line ends the comment (X.208).
                    rest = substr(line, c + 2); e = index(rest, "--")
                    line = (e > 0) ? substr(rest, e + 2) : ""
                    continue
                }
                if (q > 0) {
                    out = out " " substr(line, 1, q - 1)
                    line = substr(line, q + 1); instr = 1
                    continue
                }
                out = out " " line; line = ""
            }
            print out
        }' "$MIB"
}

# The descriptors and type names defined by the module, one per line:
# "name kind" (kind: the macro, OID for `OBJECT IDENTIFIER ::=`, TYPE for a
# type assignment). The IMPORTS clause is skipped.
descriptors() {
    strip_mib | awk '
        BEGIN {
            split("OBJECT-TYPE NOTIFICATION-TYPE OBJECT-IDENTITY " \
                  "OBJECT-GROUP NOTIFICATION-GROUP MODULE-COMPLIANCE " \
                  "MODULE-IDENTITY AGENT-CAPABILITIES", k, " ")
            for (i in k) macro[k[i]] = 1
            nt = 0
        }
        {
            m = split($0, w, /[ \t\r]+/)
            for (i = 1; i <= m; i++) if (w[i] != "") tok[++nt] = w[i]
        }
        END {
            inimports = 0
            for (i = 1; i <= nt; i++) {
                t = tok[i]
                if (t == "IMPORTS") { inimports = 1; continue }
                if (inimports) {
                    if (t ~ /;$/) inimports = 0
                    continue
                }
                if (t !~ /^[A-Za-z][A-Za-z0-9-]*$/) continue
                if ((tok[i + 1]) in macro) {
                    print t, tok[i + 1]
                } else if (tok[i + 1] == "OBJECT" && tok[i + 2] == "IDENTIFIER" \
                           && tok[i + 3] == "::=") {
                    print t, "OID"
                } else if (tok[i + 1] == "::=" && tok[i + 2] != "{" \
                           && t != "DEFINITIONS") {
                    print t, "TYPE"
                }
            }
        }'
}

if [ "${1:-}" = "--print-oids" ]; then
    PATHS=$top_srcdir/mibs:$(find_base_mibs)
    print_oids >"$tmp/oids" || {
        echo "$me: cannot list the OIDs" >&2
        cat "$tmp"/*.err >&2
        exit 1
    }
    cat <<EOF
# Every node of SCEP-CLIENT-MIB (mibs/SCEP-CLIENT-MIB.txt), in OID order:
#   numeric-OID descriptor kind access
# kind (smidump): node scalar table row column notification group compliance;
# access: read-only read-write not-accessible accessible-for-notify, or - .
# Scalar instances are OID.0; columns are OID.<index>. tests/test_mib.sh
# compares this file with the MIB; after an intended change of the tree run
#   sh tests/test_mib.sh --print-oids > doc/mib-oids.golden
EOF
    cat "$tmp/oids"
    exit 0
fi

# --- 1. tools and files --------------------------------------------------
tools_ok=1
for t in smilint smidump snmptranslate; do
    if command -v "$t" >/dev/null 2>&1; then
        ok "$t is installed"
    else
        not_ok "$t is installed (install smitools / snmp; this test cannot be skipped)"
        tools_ok=0
    fi
done
if [ -r "$MIB" ]; then
    ok "MIB file $MIB"
else
    not_ok "MIB file $MIB is missing"
    finish
fi
if [ "$tools_ok" -ne 1 ]; then
    finish
fi

BASE=$(find_base_mibs)
miss=$(missing_modules "$BASE")
if [ -z "$miss" ]; then
    ok "base MIB modules found in $BASE"
elif [ "${REQUIRE_BASE_MIBS:-0}" != 1 ]; then
    # e.g. make distcheck: no system IETF MIBs and no ../shared beside the
    # unpacked tree. scripts/check sets REQUIRE_BASE_MIBS=1: never skipped there.
    echo "SKIP: base MIB modules missing:$miss (searched $BASE; set BASE_MIBS)"
    exit 77
else
    not_ok "base MIB modules missing:$miss (searched $BASE; set BASE_MIBS)"
    finish
fi
PATHS=$top_srcdir/mibs:$BASE

# --- 2. smilint ------------------------------------------------------------
# smilint exits 0 even on errors: any output is a failure. -c /dev/null
# bypasses /etc/smi.conf (Debian's hides namelength-32).
for level in 6 9; do
    SMIPATH=$PATHS smilint -c /dev/null -l "$level" -s -m "$MIB" \
        >"$tmp/lint" 2>&1
    if [ -s "$tmp/lint" ]; then
        not_ok "smilint -l $level prints nothing"
        show "$tmp/lint"
    else
        ok "smilint -l $level prints nothing"
    fi
done

# --- 3. snmptranslate ------------------------------------------------------
snmptranslate -M "$PATHS" -m "$MODULE" -Tp "$MODULE::scepcMIB" \
    >"$tmp/tp" 2>"$tmp/tp.err"
rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tmp/tp.err" ]; then
    not_ok "snmptranslate -Tp loads the module without messages (rc $rc)"
    show "$tmp/tp.err"
else
    ok "snmptranslate -Tp loads the module without messages"
fi
for want in 'scepcMIB(7237)' 'scepcNotifications(0)' 'scepcObjects(1)' \
    'scepcConformance(2)' 'scepcHistTable(3)' 'scepcKeyTable(5)' \
    'Index: scepcHistIndex' 'Index: scepcKeyIndex'; do
    if grep -F -q -- "$want" "$tmp/tp"; then
        ok "snmptranslate -Tp shows $want"
    else
        not_ok "snmptranslate -Tp shows $want"
    fi
done
oid=$(snmptranslate -M "$PATHS" -m "$MODULE" -On "$MODULE::scepcMIB" 2>/dev/null)
if [ "$oid" = ".$ROOT_OID" ]; then
    ok "scepcMIB is .$ROOT_OID"
else
    not_ok "scepcMIB is .$ROOT_OID (got: $oid)"
fi

# --- 4. the root is written once --------------------------------------------
# Outside comments and strings, the arc 7237 and netSnmpPlaypen as a parent
# each appear exactly once.
strip_mib >"$tmp/code"
arcs=$(grep -c -w "$ROOT_ARC" "$tmp/code")
parents=$(grep -c '{ *netSnmpPlaypen ' "$tmp/code")
if [ "$arcs" -eq 1 ] && [ "$parents" -eq 1 ]; then
    ok "the root { netSnmpPlaypen $ROOT_ARC } is written in one place"
else
    not_ok "the root is written in one place ($arcs x $ROOT_ARC, $parents x netSnmpPlaypen parent)"
fi

# --- 5. descriptors ------------------------------------------------------------
descriptors >"$tmp/desc"
ndesc=$(wc -l <"$tmp/desc" | tr -d ' ')
if [ "$ndesc" -ge 100 ]; then
    ok "found $ndesc descriptors and type names"
else
    not_ok "found only $ndesc descriptors and type names (parser broken?)"
fi
awk -v max="$MAXLEN" 'length($1) > max { print $1 " (" length($1) ")" }' \
    "$tmp/desc" >"$tmp/long"
if [ -s "$tmp/long" ]; then
    not_ok "every descriptor is <= $MAXLEN characters"
    show "$tmp/long"
else
    ok "every descriptor is <= $MAXLEN characters"
fi
awk '$1 !~ /^[sS]cepc[A-Z]/ && $1 != "SCEP-CLIENT-MIB" { print $1 }' \
    "$tmp/desc" >"$tmp/prefix"
if [ -s "$tmp/prefix" ]; then
    not_ok "every descriptor has the scepc prefix"
    show "$tmp/prefix"
else
    ok "every descriptor has the scepc prefix"
fi
sort "$tmp/desc" | awk '{ print $1 }' | uniq -d >"$tmp/dup"
if [ -s "$tmp/dup" ]; then
    not_ok "no descriptor is defined twice"
    show "$tmp/dup"
else
    ok "no descriptor is defined twice"
fi

# --- 6. golden list of OIDs ------------------------------------------------------
if print_oids >"$tmp/oids"; then
    ok "list the OIDs of the module"
else
    not_ok "list the OIDs of the module"
    cat "$tmp"/*.err 2>/dev/null | show /dev/stdin
fi
# Every descriptor with an OID is in the list, and nothing else is.
awk '$2 != "TYPE" { print $1 }' "$tmp/desc" | sort >"$tmp/d1"
awk '{ print $2 }' "$tmp/oids" | sort >"$tmp/d2"
if [ -s "$tmp/d2" ] && cmp -s "$tmp/d1" "$tmp/d2"; then
    ok "the OID list and the parsed descriptors agree"
else
    not_ok "the OID list and the parsed descriptors agree"
    diff "$tmp/d1" "$tmp/d2" >"$tmp/ddiff"
    show "$tmp/ddiff"
fi
if grep -q ' ?' "$tmp/oids"; then
    not_ok "smidump knows the kind of every node"
    grep ' ?' "$tmp/oids" >"$tmp/unk"
    show "$tmp/unk"
else
    ok "smidump knows the kind of every node"
fi
if [ ! -r "$GOLDEN" ]; then
    not_ok "golden list $GOLDEN exists"
elif grep -v '^#' "$GOLDEN" >"$tmp/golden" \
    && diff -u "$tmp/golden" "$tmp/oids" >"$tmp/gdiff"; then
    ok "OIDs equal $GOLDEN ($(wc -l <"$tmp/golden" | tr -d ' ') nodes)"
else
    not_ok "OIDs equal $GOLDEN (intended change? regenerate with --print-oids)"
    show "$tmp/gdiff"
fi

finish

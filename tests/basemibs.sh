# basemibs.sh - where the IETF base MIBs (SNMPv2-SMI ...) are, for the tests
# that load SCEP-CLIENT-MIB (test_mib.sh, agent.d/19-prometheus.sh). Sourced;
# needs $top_srcdir and $IMPORTED (the module names that must be found).
# The system's directories when they hold every module of $IMPORTED (Debian
# has them with snmp-mibs-downloader only), else those plus
# $top_srcdir/../shared/mibs; BASE_MIBS (colon-separated) overrides both.
# POSIX sh.

# Is module $1 in one of the colon-separated directories $2?
module_in_path() {
    _m=$1
    _rest=$2:
    while [ -n "$_rest" ]; do
        _d=${_rest%%:*}
        _rest=${_rest#*:}
        [ -n "$_d" ] || continue
        for _f in "$_d/$_m" "$_d/$_m.txt" "$_d/$_m.my" "$_d/$_m.mib"; do
            if [ -f "$_f" ]; then
                return 0
            fi
        done
    done
    return 1
}

# The modules of $IMPORTED that are not in path $1.
missing_modules() {
    _miss=
    for _m in $IMPORTED; do
        module_in_path "$_m" "$1" || _miss="$_miss $_m"
    done
    echo "$_miss"
}

find_base_mibs() {
    if [ -n "${BASE_MIBS:-}" ]; then
        echo "$BASE_MIBS"
        return
    fi
    _p=
    for _d in /usr/share/snmp/mibs /usr/share/snmp/mibs/ietf \
        /usr/share/snmp/mibs/iana /usr/share/mibs/ietf /usr/share/mibs/iana \
        /usr/share/mibs/netsnmp /usr/local/share/snmp/mibs; do
        if [ -d "$_d" ]; then
            _p=${_p:+$_p:}$_d
        fi
    done
    if [ -n "$(missing_modules "$_p")" ]; then
        # The system lacks some IETF modules (Debian does not ship them).
        _p=${_p:+$_p:}$top_srcdir/../shared/mibs
    fi
    echo "$_p"
}

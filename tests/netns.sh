# netns.sh - sourced first by the scripts that start servers (tests/integration.sh,
# tests/agent.sh, bench/*): re-run the calling script inside a private network
# namespace that has only lo (scepserver listens on every interface,
# TESTBED.md), with `unshare -n` (root) or `unshare -rn`; otherwise fall back
# to 127.0.0.1 and random ports. Sets and exports SCEP_IN_NETNS (1 or 0),
# SCEP_NETNS_HOW and SCEP_SH (the user's $SHELL when it is a POSIX shell --
# make passes the login shell on, which may be fish or csh -- else /bin/sh).
# Sourcing keeps the caller's "$0" and "$@".
case "${SHELL##*/}" in
sh | dash | bash | ksh | mksh | yash | busybox) SCEP_SH=$SHELL ;;
*) SCEP_SH=/bin/sh ;;
esac
export SCEP_SH

if [ -z "$SCEP_IN_NETNS" ]; then
    if command -v ip >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; then
        if unshare -n true 2>/dev/null; then
            exec unshare -n env SCEP_IN_NETNS=1 SCEP_NETNS_HOW="unshare -n" "$SCEP_SH" "$0" "$@"
        elif unshare -rn true 2>/dev/null; then
            exec unshare -rn env SCEP_IN_NETNS=1 SCEP_NETNS_HOW="unshare -rn" "$SCEP_SH" "$0" "$@"
        fi
    fi
    SCEP_IN_NETNS=0
fi
export SCEP_IN_NETNS

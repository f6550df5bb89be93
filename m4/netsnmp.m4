# SCEPAX_CHECK_NETSNMP: Net-SNMP agent library, via pkg-config (net-snmp-config
# --agent-libs drags in perl, sensors, pci and wrap). Only agent/ uses these flags.
AC_DEFUN([SCEPAX_CHECK_NETSNMP], [
  PKG_CHECK_MODULES([NETSNMP], [netsnmp-agent >= 5.8], [],
    [AC_MSG_ERROR([Net-SNMP >= 5.8 agent library is required: apt-get install libsnmp-dev])])
  NETSNMP_VERSION=`$PKG_CONFIG --modversion netsnmp-agent`
  AC_SUBST([NETSNMP_VERSION])
])

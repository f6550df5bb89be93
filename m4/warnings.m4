# SCEPAX_WARNINGS: -Wall -Wextra always; -Werror with --enable-werror (on in CI).
AC_DEFUN([SCEPAX_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  WARN_CFLAGS="-Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes"
  AS_IF([test "x$enable_werror" = xyes], [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
  AC_SUBST([WARN_CFLAGS])
])

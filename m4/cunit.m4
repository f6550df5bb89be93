# SCEPAX_CHECK_CUNIT: CUnit for "make check"; without it the tests are not built.
AC_DEFUN([SCEPAX_CHECK_CUNIT], [
  PKG_CHECK_MODULES([CUNIT], [cunit >= 2.1], [have_cunit=yes], [have_cunit=no])
  AM_CONDITIONAL([HAVE_CUNIT], [test "x$have_cunit" = xyes])
  AS_IF([test "x$have_cunit" = xno],
    [AC_MSG_WARN([CUnit not found: "make check" will fail; apt-get install libcunit1-dev])])
])

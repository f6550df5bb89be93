# SCEPAX_CHECK_LIBCURL: libcurl (HTTP/HTTPS transport)
AC_DEFUN([SCEPAX_CHECK_LIBCURL], [
  PKG_CHECK_MODULES([LIBCURL], [libcurl >= 7.68], [],
    [AC_MSG_ERROR([libcurl >= 7.68 is required: apt-get install libcurl4-openssl-dev])])
  LIBCURL_VERSION=`$PKG_CONFIG --modversion libcurl`
  AC_SUBST([LIBCURL_VERSION])
])

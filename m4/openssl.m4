# SCEPAX_CHECK_OPENSSL: OpenSSL >= 3 (libcrypto only; TLS goes through libcurl)
AC_DEFUN([SCEPAX_CHECK_OPENSSL], [
  PKG_CHECK_MODULES([OPENSSL], [libcrypto >= 3.0], [],
    [AC_MSG_ERROR([OpenSSL >= 3.0 (libcrypto) is required: apt-get install libssl-dev])])
  OPENSSL_VERSION=`$PKG_CONFIG --modversion libcrypto`
  AC_SUBST([OPENSSL_VERSION])
])

# SCEPAX_CHECK_LIBCURL: libcurl (HTTP/HTTPS transport), linked normally.
#
# LIBCURL_TYPECHECK_CFLAGS: curl.h checks the type of each curl_easy_setopt
# value (typecheck-gcc.h) with calls to functions that have a warning
# attribute. GCC does not report those when the call comes from a macro of a
# system header (curl.h in /usr/include), so the checks are silent unless
# -Wsystem-headers is on. It is added (to scep/http.c only) when the compiler
# then reports a wrong type, and a correct call with curl.h, OpenSSL and libc
# headers compiles without any warning.
AC_DEFUN([SCEPAX_CHECK_LIBCURL], [
  PKG_CHECK_MODULES([LIBCURL], [libcurl >= 7.68], [],
    [AC_MSG_ERROR([libcurl >= 7.68 is required: apt-get install libcurl4-openssl-dev])])
  LIBCURL_VERSION=`$PKG_CONFIG --modversion libcurl`
  AC_SUBST([LIBCURL_VERSION])

  AC_CACHE_CHECK([whether curl_easy_setopt type checks work with -Wsystem-headers],
    [scepax_cv_curl_typecheck], [
    scepax_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS $LIBCURL_CFLAGS -O2 -Wall -Wextra -Wsystem-headers -Werror"
    scepax_cv_curl_typecheck=no
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
]], [[CURL *h = curl_easy_init(); curl_easy_setopt(h, CURLOPT_TIMEOUT, "x");]])],
      [], [
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
]], [[CURL *h = curl_easy_init(); curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);]])],
        [scepax_cv_curl_typecheck=yes])])
    CFLAGS=$scepax_save_CFLAGS])
  LIBCURL_TYPECHECK_CFLAGS=""
  AS_IF([test "x$scepax_cv_curl_typecheck" = xyes], [LIBCURL_TYPECHECK_CFLAGS="-Wsystem-headers"])
  AC_SUBST([LIBCURL_TYPECHECK_CFLAGS])
])

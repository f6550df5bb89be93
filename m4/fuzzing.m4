# SCEPAX_FUZZING: --enable-fuzzing builds the libFuzzer targets of tests/fuzz
# (clang: CC=clang). The libraries get coverage instrumentation, ASan and
# UBSan, and FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which lets the CertRep
# target skip the signature check (never in a normal build).
AC_DEFUN([SCEPAX_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build the libFuzzer targets (CC=clang), never for production])],
    [], [enable_fuzzing=no])
  FUZZ_LDFLAGS=""
  AS_IF([test "x$enable_fuzzing" = xyes], [
    AS_IF([test "x$enable_sanitizers" = xyes],
      [AC_MSG_ERROR([--enable-fuzzing brings its own sanitizers: drop --enable-sanitizers])])
    save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -fsanitize=fuzzer"
    AC_MSG_CHECKING([whether $CC links libFuzzer targets])
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
]])], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([--enable-fuzzing needs clang with libFuzzer (CC=clang; Debian: clang libclang-rt-14-dev)])])
    CFLAGS=$save_CFLAGS
    SAN_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
    SAN_LDFLAGS="-fsanitize=address,undefined"
    FUZZ_LDFLAGS="-fsanitize=fuzzer"])
  AC_SUBST([FUZZ_LDFLAGS])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = xyes])
])

# AX_PTHREAD_SIMPLE: POSIX threads (the backend's worker thread).
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  PTHREAD_LIBS=""
  AC_SEARCH_LIBS([pthread_create], [pthread], [],
    [AC_MSG_ERROR([POSIX threads are required])])
  PTHREAD_CFLAGS="-pthread"
  AC_SUBST([PTHREAD_CFLAGS])
])

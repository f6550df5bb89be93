/* scepsrv.c - placeholder */
#include "config.h"

#include "scepsrv.h"
int scepsrv_placeholder_(void);
int scepsrv_placeholder_(void) { return 0; }

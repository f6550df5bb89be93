/* scepsrv.h - placeholder */
#ifndef SCEP_SCEPSRV_H
#define SCEP_SCEPSRV_H
#endif

/* mib_request.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void mib_request_init(void) {}

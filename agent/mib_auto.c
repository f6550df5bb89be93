/* mib_auto.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void mib_auto_init(void) {}

/* mib_history.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void mib_history_init(void) {}

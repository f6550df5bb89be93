/* mib_keys.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void mib_keys_init(void) {}
void mib_keys_refresh(void) {}
void agent_keys_delete(uint32_t index) { (void)index; }

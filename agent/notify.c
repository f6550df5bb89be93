/* notify.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void mib_notify_init(void) {}
void agent_notify_connected(int up) { g_agent.connected = up; }
void agent_notify_history(int which, uint32_t hist_index) { (void)which; (void)hist_index; }
void agent_notify_key(int which, uint32_t key_index) { (void)which; (void)key_index; }

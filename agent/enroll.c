/* enroll.c - placeholder, being written */
#include "config.h"

#include "agent.h"
void agent_enroll_init(void) {}
int agent_enroll_check(const agent_stage *stg) { (void)stg; return SNMP_ERR_NOERROR; }
void agent_enroll_queue_manual(const agent_manual *m) { (void)m; }
void agent_restart_queue(const char *why) { (void)why; }

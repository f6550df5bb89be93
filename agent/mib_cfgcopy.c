/*
 * mib_cfgcopy.c - scepcConfigCopy (SPEC.md T5, X2, X4): export and import of
 * the settings, as an action with a state object (CISCO-CONFIG-COPY-MIB).
 *
 * The file is a plain name inside the one directory of the local
 * configuration (exportDir, created 0700 when missing); SNMP never supplies a
 * path. Format, export and import are the backend's settings schema
 * (scep/schema.c): the "keyword value" lines of the state file without what
 * must not leave the host or is not a setting: the export has every setting
 * the MIB lists (scepcSettings writable objects, scepcAuto without its
 * challenge, scepcNotifyEnable, scepcKeyStoreWarnDays) and never the
 * challenge (it lives in its own 0600 file anyway) nor the fingerprint
 * recorded on first use (caSeen, not writable). An import takes such a file
 * (or a copy of the state file: a caSeen line is accepted and ignored),
 * checks every line with the same rules as the SNMP SETs (the same setters),
 * then the whole result (enabling the timer needs a complete request, as
 * scepcAutoEnable); on any error nothing changes and scepcCfgState is
 * failed(4) with the line and keyword in scepcCfgErrorText (never the value).
 *
 * The action runs at COMMIT, synchronously: it is local file I/O of a few
 * hundred bytes (one read or one atomic write), not network I/O, so the SNMP
 * thread does not wait on anything slow (U3). Hence running(2) is never seen
 * from outside and the "while running" refusals of the MIB cannot happen.
 */
#include "config.h"

#include "agent.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { COL_NAME = 1, COL_ACTION = 2, COL_STATE = 3, COL_ERROR = 4, COL_TIME = 5 };
enum { ACT_IDLE = 1, ACT_EXPORT = 2, ACT_IMPORT = 3 };
enum { CS_NONE = 1, CS_RUNNING = 2, CS_SUCCESSFUL = 3, CS_FAILED = 4 };

#define CFG_NAME_MAX 255

/* What the objects show (not persisted: the MIB says so for the file name). */
static struct {
    char name[CFG_NAME_MAX + 1];
    int state;
    char error[256];
    time_t when;
} C = {.state = CS_NONE};

/* This group's part of a SET PDU's stage (stage.c). */
typedef struct cfg_part {
    int name_set;
    char name[CFG_NAME_MAX + 1];
    int action;
    int applied;
    char saved_name[CFG_NAME_MAX + 1];
} cfg_part;

static void run(int action);

/* ACTION (after the state swap): the new file name shows. */
static void part_action(void *data)
{
    cfg_part *p = data;
    memcpy(p->saved_name, C.name, sizeof C.name);
    if (p->name_set)
        memcpy(C.name, p->name, sizeof C.name);
    p->applied = 1;
}

static void part_undo(void *data)
{
    cfg_part *p = data;
    if (p->applied)
        memcpy(C.name, p->saved_name, sizeof C.name);
}

/* COMMIT: the PDU's state is committed (and saved) first, then the action. */
static void part_commit(void *data)
{
    const cfg_part *p = data;
    if (p->applied && p->action)
        run(p->action);
}

static const agent_stage_part_ops cfg_ops = {.name = "scepcConfigCopy",
                                             .size = sizeof(cfg_part),
                                             .action = part_action,
                                             .undo = part_undo,
                                             .commit = part_commit};

int agent_cfg_name_valid(const char *name, size_t len)
{
    if (len < 1 || len > CFG_NAME_MAX || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return 0; /* '/' and NUL included */
        if (c == '.' && i + 1 < len && name[i + 1] == '.')
            return 0;
    }
    return 1;
}

/* ---- the action, at COMMIT ------------------------------------------------- */

static void run(int action)
{
    char path[PATH_MAX + CFG_NAME_MAX + 2];
    const char *dir = g_agent.conf.export_dir;
    C.state = CS_RUNNING;
    C.error[0] = 0;
    C.when = scep_now();
    snprintf(path, sizeof path, "%s/%s", dir, C.name);
    int rc;
    if (action == ACT_EXPORT) {
        if (agent_mkdir_p(dir, 0700) != 0) {
            snprintf(C.error, sizeof C.error, "mkdir %.160s: %.80s", dir, strerror(errno));
            rc = -1;
        } else {
            scep_error e;
            scep_error_clear(&e);
            rc = scep_state_export_file(&g_agent.st, path, &e) == SCEP_OK ? 0 : -1;
            if (rc)
                snprintf(C.error, sizeof C.error, "%s", e.text);
        }
    } else {
        rc =
            scep_state_import_file(&g_agent.st, path, agent_conf_policy_list(&g_agent.conf),
                                   C.error, sizeof C.error) == SCEP_OK
                ? 0
                : -1;
        if (rc == 0 && agent_state_save(g_agent.conf.state_dir, &g_agent.st) != 0) {
            /* Applied but not saved: say so; the next SET saves it again. */
            snprintf(C.error, sizeof C.error,
                     "imported, but the state could not be saved in %.160s",
                     g_agent.conf.state_dir);
            rc = -1;
        }
    }
    C.state = rc == 0 ? CS_SUCCESSFUL : CS_FAILED;
    C.when = scep_now();
    if (rc == 0 && action == ACT_IMPORT)
        agent_autorun_changed(); /* the automatic settings may have changed */
    if (rc == 0)
        snmp_log(LOG_INFO, "settings %s %s\n",
                 action == ACT_EXPORT ? "exported to" : "imported from", path);
    else
        snmp_log(LOG_WARNING, "settings %s %s failed: %s\n",
                 action == ACT_EXPORT ? "export to" : "import from", path, C.error);
}

/* ---- handler ---------------------------------------------------------------- */

static void get_one(netsnmp_request_info *r, int col)
{
    switch (col) {
    case COL_NAME:
        agent_set_string(r, C.name);
        break;
    case COL_ACTION:
        agent_set_int(r, ASN_INTEGER, ACT_IDLE);
        break;
    case COL_STATE:
        agent_set_int(r, ASN_INTEGER, C.state);
        break;
    case COL_ERROR:
        agent_set_string(r, C.error);
        break;
    case COL_TIME:
        agent_var_time(r->requestvb, C.when);
        break;
    default:
        netsnmp_request_set_error(r, SNMP_NOSUCHOBJECT);
    }
}

static int reserve1(agent_stage *stg, netsnmp_agent_request_info *reqinfo,
                    const netsnmp_variable_list *v, int col)
{
    (void)reqinfo;
    int err;
    cfg_part *p = agent_stage_part(stg, &cfg_ops);
    if (!p)
        return SNMP_ERR_RESOURCEUNAVAILABLE;
    switch (col) {
    case COL_NAME:
        if ((err = agent_check_string(v, 0, CFG_NAME_MAX)))
            return err;
        if (v->val_len && !agent_cfg_name_valid((const char *)v->val.string, v->val_len))
            return SNMP_ERR_WRONGVALUE;
        agent_copy_string(v, p->name, sizeof p->name);
        p->name_set = 1;
        return SNMP_ERR_NOERROR;
    case COL_ACTION:
        if ((err = agent_check_int(v, ACT_IDLE, ACT_IMPORT)))
            return err;
        if (*v->val.integer != ACT_IDLE)
            p->action = (int)*v->val.integer;
        return SNMP_ERR_NOERROR;
    default:
        return SNMP_ERR_NOTWRITABLE;
    }
}

static int reserve2(const agent_stage *stg, const netsnmp_variable_list *v, int col)
{
    (void)v;
    const char *why = NULL;
    const cfg_part *p = agent_stage_find_part(stg, &cfg_ops);
    if (C.state == CS_RUNNING)
        why = "an export or import is running";
    else if (col == COL_ACTION && p && p->action) {
        const char *name = p->name_set ? p->name : C.name;
        if (!name[0])
            why = "scepcCfgFileName is empty";
        else if (p->action == ACT_IMPORT && stg->st.autoreq.enable)
            why = "import refused while the automatic timer is enabled";
    }
    if (why) {
        DEBUGMSGTL(("scepagentd/cfgcopy", "column %d refused: %s\n", col, why));
        return SNMP_ERR_INCONSISTENTVALUE;
    }
    return SNMP_ERR_NOERROR;
}

void mib_cfgcopy_init(void)
{
    static const agent_scalars g = {.name = "scepcConfigCopy",
                                    .arc = 6,
                                    .first = COL_NAME,
                                    .last = COL_TIME,
                                    .get = get_one,
                                    .reserve1 = reserve1,
                                    .reserve2 = reserve2};
    agent_register_scalars(&g);
}

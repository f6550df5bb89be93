/*
 * test_oidtree.c - golden test of the OID tree scepagentd registers (lldpd
 * check_snmp.c style), with no snmpd: the agent's glue runs in-process as a
 * Net-SNMP master agent that listens only on a unix socket of a temp dir;
 * a client session in the same process walks it with GETNEXT (the
 * synchronous client loop also serves the agent's socket). The objects
 * found are compared with doc/mib-oids.golden: every scalar instance (.0)
 * and every accessible table column must be implemented, nothing else.
 * The Net-SNMP registry itself is checked too: the registrations under the
 * MIB root, the column ranges of the two tables, and that only groups with
 * read-write objects accept SETs.
 */
#include "config.h"

#include "agent.h"
#include "testutil.h"

#include <net-snmp/agent/agent_handler.h>
#include <net-snmp/agent/agent_registry.h>
#include <net-snmp/agent/table.h>
#include <net-snmp/agent/var_struct.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJ 256

typedef struct object {
    oid name[MAX_OID_LEN];
    size_t len;
    char descr[64];
    int column;   /* 1 table column, 0 scalar */
    int writable; /* read-write */
    int seen;
} object;

static object objs[MAX_OBJ];
static size_t n_objs;
static char *tmpdir;
static netsnmp_session *client;
static char extra[4096]; /* walked OIDs that are no object of the MIB */

static const oid root_oid[] = {SCEPC_ROOT_OID};

/* libnetsnmpagent (agent/mibgroup/mibII/vacm_conf.c, no installed header):
 * the VACM config tokens and access checks, as snmpd initialises them. */
void init_vacm_conf(void);

static int parse_oid(const char *s, oid *out, size_t *len)
{
    size_t n = 0;
    while (*s && n < MAX_OID_LEN) {
        char *end;
        out[n++] = (oid)strtoul(s, &end, 10);
        if (end == s)
            return -1;
        s = *end == '.' ? end + 1 : end;
        if (*end && *end != '.')
            return -1;
    }
    *len = n;
    return 0;
}

/* doc/mib-oids.golden: "OID descriptor kind access" lines. */
static int load_golden(void)
{
    const char *top = getenv("top_srcdir");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/doc/mib-oids.golden", top ? top : "..");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "test_oidtree: cannot read %s\n", path);
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char o[256], d[64], kind[32], access[32];
        if (line[0] == '#' || sscanf(line, "%255s %63s %31s %31s", o, d, kind, access) != 4)
            continue;
        int scalar = strcmp(kind, "scalar") == 0;
        int column = strcmp(kind, "column") == 0;
        if ((!scalar && !column) || strcmp(access, "not-accessible") == 0)
            continue;
        if (n_objs == MAX_OBJ)
            break;
        object *ob = &objs[n_objs];
        if (parse_oid(o, ob->name, &ob->len) != 0)
            continue;
        if (scalar)
            ob->name[ob->len++] = 0;
        snprintf(ob->descr, sizeof ob->descr, "%s", d);
        ob->column = column;
        ob->writable = strcmp(access, "read-write") == 0;
        n_objs++;
    }
    fclose(f);
    return n_objs ? 0 : -1;
}

static int init_suite(void)
{
    if (load_golden() != 0)
        return -1;
    tmpdir = tu_mkdtemp("oidtree");
    if (!tmpdir)
        return -1;
    char sock[PATH_MAX + 32];
    snprintf(sock, sizeof sock, "unix:%s/agent.sock", tmpdir);
    /* No snmp.conf, no MIB files, no persistent files outside tmpdir. */
    setenv("MIBS", "", 1);
    setenv("SNMPCONFPATH", tmpdir, 1);
    setenv("SNMP_PERSISTENT_DIR", tmpdir, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE,
                           0); /* master */
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD,
                           1);
    netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, sock);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
                           NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);
    snmp_enable_stderrlog();
    if (getenv("OIDTREE_DEBUG")) { /* e.g. OIDTREE_DEBUG=snmp_agent,vacm */
        debug_register_tokens(getenv("OIDTREE_DEBUG"));
        snmp_set_do_debugging(1);
    }

    agent_conf_defaults(&g_agent.conf);
    snprintf(g_agent.conf.state_dir, sizeof g_agent.conf.state_dir, "%s/state", tmpdir);
    snprintf(g_agent.conf.keystore_dir, sizeof g_agent.conf.keystore_dir, "%s/keys",
             tmpdir);
    snprintf(g_agent.conf.export_dir, sizeof g_agent.conf.export_dir, "%s/export", tmpdir);
    snprintf(g_agent.conf.default_key, sizeof g_agent.conf.default_key, "main");
    init_agent("test_oidtree");
    init_vacm_conf();
    if (agent_init("/dev/null") != 0)
        return -1;
    init_snmp("test_oidtree");
    /* Read access for community "public" over the unix socket (rocommunity
     * covers IPv4 only; com2secunix is its unix-domain form). */
    static const char *const vacm[] = {
        "com2secunix oidtreesec default public", "group oidtreegroup v2c oidtreesec",
        "view oidtreeall included .1",
        "access oidtreegroup \"\" any noauth exact oidtreeall none none"};
    for (size_t i = 0; i < sizeof vacm / sizeof vacm[0]; i++) {
        char line[256];
        snprintf(line, sizeof line, "%s", vacm[i]);
        netsnmp_config(line);
    }
    if (init_master_agent() != 0)
        return -1;

    /* One history row, so that the columns of scepcHistTable show in a walk. */
    scep_history_add(g_agent.hist, "row1", SCEP_SRC_MANUAL, SCEP_HIST_COMPLETED,
                     time(NULL));

    netsnmp_session s;
    snmp_sess_init(&s);
    s.version = SNMP_VERSION_2c;
    s.peername = sock;
    s.community = (u_char *)"public";
    s.community_len = 6;
    s.timeout = 2000000;
    s.retries = 0;
    client = snmp_open(&s);
    return client ? 0 : -1;
}

static int cleanup_suite(void)
{
    if (client)
        snmp_close(client);
    agent_shutdown();
    snmp_shutdown("test_oidtree");
    if (tmpdir)
        tu_rmtree(tmpdir);
    return 0;
}

static int under_root(const oid *name, size_t len)
{
    return len >= OID_LENGTH(root_oid) &&
           snmp_oid_compare(name, OID_LENGTH(root_oid), root_oid, OID_LENGTH(root_oid)) ==
               0;
}

/* The object a walked OID is an instance of, or NULL. */
static object *object_of(const oid *name, size_t len)
{
    for (size_t i = 0; i < n_objs; i++) {
        object *ob = &objs[i];
        if (!ob->column && snmp_oid_compare(name, len, ob->name, ob->len) == 0)
            return ob;
        if (ob->column && len > ob->len &&
            snmp_oid_compare(name, ob->len, ob->name, ob->len) == 0)
            return ob;
    }
    return NULL;
}

static void append(char *buf, size_t n, const char *s)
{
    size_t used = strlen(buf);
    if (used + strlen(s) + 2 < n)
        snprintf(buf + used, n - used, " %s", s);
}

static void test_walk(void)
{
    oid name[MAX_OID_LEN];
    size_t len = OID_LENGTH(root_oid);
    memcpy(name, root_oid, sizeof root_oid);
    int steps = 0, answers = 0;
    extra[0] = 0;
    while (steps++ < 1000) {
        netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETNEXT), *resp = NULL;
        snmp_add_null_var(pdu, name, len);
        int st = snmp_synch_response(client, pdu, &resp);
        CU_ASSERT_EQUAL_FATAL(st, STAT_SUCCESS);
        CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
        netsnmp_variable_list *v = resp->variables;
        if (resp->errstat != SNMP_ERR_NOERROR || !v || v->type == SNMP_ENDOFMIBVIEW ||
            !under_root(v->name, v->name_length)) {
            snmp_free_pdu(resp);
            break;
        }
        answers++;
        object *ob = object_of(v->name, v->name_length);
        if (ob) {
            ob->seen = 1;
        } else {
            char buf[256];
            snprint_objid(buf, sizeof buf, v->name, v->name_length);
            append(extra, sizeof extra, buf);
        }
        if (snmp_oid_compare(v->name, v->name_length, name, len) <= 0) {
            snmp_free_pdu(resp);
            CU_FAIL("GETNEXT did not advance");
            break;
        }
        memcpy(name, v->name, v->name_length * sizeof(oid));
        len = v->name_length;
        snmp_free_pdu(resp);
    }
    CU_ASSERT(answers > 50);
    if (extra[0])
        fprintf(stderr, "test_oidtree: walked OIDs that are no object of the MIB:%s\n",
                extra);
    CU_ASSERT_STRING_EQUAL(extra, "");
}

/* Every scalar and every column of scepcHistTable answers in the walk; the
 * key table is empty here, its columns are checked in the registry. */
static void test_golden_complete(void)
{
    static const oid key_entry[] = {SCEPC_ROOT_OID, 1, 5, 5, 1};
    char missing[4096] = "";
    int n = 0;
    for (size_t i = 0; i < n_objs; i++) {
        object *ob = &objs[i];
        if (ob->column && ob->len > OID_LENGTH(key_entry) - 1 &&
            snmp_oid_compare(ob->name, OID_LENGTH(key_entry), key_entry,
                             OID_LENGTH(key_entry)) == 0)
            continue;
        n++;
        if (!ob->seen)
            append(missing, sizeof missing, ob->descr);
    }
    CU_ASSERT(n > 60);
    if (missing[0])
        fprintf(stderr, "test_oidtree: objects of the MIB not implemented:%s\n", missing);
    CU_ASSERT_STRING_EQUAL(missing, "");
}

static netsnmp_handler_registration *registration_of(const oid *name, size_t len)
{
    for (netsnmp_subtree *s = netsnmp_subtree_find_first(""); s; s = s->next) {
        if (!s->reginfo)
            continue;
        if (snmp_oid_compare(s->reginfo->rootoid, s->reginfo->rootoid_len, name, len) == 0)
            return s->reginfo;
    }
    return NULL;
}

static void check_table(const oid *table, size_t len, unsigned min, unsigned max)
{
    netsnmp_handler_registration *reg = registration_of(table, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
    netsnmp_mib_handler *h = netsnmp_find_handler_by_name(reg, "table");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    netsnmp_table_registration_info *ti = h->myvoid;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ti);
    CU_ASSERT_EQUAL(ti->min_column, min);
    CU_ASSERT_EQUAL(ti->max_column, max);
    CU_ASSERT_PTR_NOT_NULL(ti->indexes);
    if (ti->indexes) {
        CU_ASSERT_EQUAL(ti->indexes->type, ASN_UNSIGNED);
        CU_ASSERT_PTR_NULL(ti->indexes->next_variable);
    }
}

static void test_registry_tables(void)
{
    static const oid hist[] = {SCEPC_ROOT_OID, 1, 4, 3};
    static const oid keys[] = {SCEPC_ROOT_OID, 1, 5, 5};
    check_table(hist, OID_LENGTH(hist), 2, 12);
    check_table(keys, OID_LENGTH(keys), 2, 16);
}

/* Every registration under the root lies inside scepcObjects, and one that
 * covers a read-write object of the golden file accepts SETs; the history
 * (read-only) does not. */
static void test_registry_modes(void)
{
    static const oid objects[] = {SCEPC_ROOT_OID, 1};
    int n = 0, rw_ok = 1;
    for (netsnmp_subtree *s = netsnmp_subtree_find_first(""); s; s = s->next) {
        netsnmp_handler_registration *reg = s->reginfo;
        if (!reg || !under_root(reg->rootoid, reg->rootoid_len))
            continue;
        n++;
        CU_ASSERT(reg->rootoid_len > OID_LENGTH(objects) &&
                  snmp_oid_compare(reg->rootoid, OID_LENGTH(objects), objects,
                                   OID_LENGTH(objects)) == 0);
        int has_rw = 0;
        for (size_t i = 0; i < n_objs; i++)
            if (objs[i].writable && objs[i].len >= reg->rootoid_len &&
                snmp_oid_compare(objs[i].name, reg->rootoid_len, reg->rootoid,
                                 reg->rootoid_len) == 0)
                has_rw = 1;
        if (has_rw && !(reg->modes & HANDLER_CAN_SET)) {
            fprintf(stderr, "test_oidtree: %s has read-write objects but takes no SET\n",
                    reg->handlerName ? reg->handlerName : "?");
            rw_ok = 0;
        }
        if (!has_rw && (reg->modes & HANDLER_CAN_SET)) {
            fprintf(stderr, "test_oidtree: %s has no read-write object but takes SETs\n",
                    reg->handlerName ? reg->handlerName : "?");
            rw_ok = 0;
        }
    }
    CU_ASSERT(n >= 7); /* seven groups at least */
    CU_ASSERT(rw_ok);
}

/* A GET of a non-existent scalar column under a group gives noSuchObject. */
static void test_no_such_object(void)
{
    static const oid bogus[] = {SCEPC_ROOT_OID, 1, 1, 99, 0};
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
    snmp_add_null_var(pdu, bogus, OID_LENGTH(bogus));
    CU_ASSERT_EQUAL_FATAL(snmp_synch_response(client, pdu, &resp), STAT_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
    CU_ASSERT(resp->variables && (resp->variables->type == SNMP_NOSUCHOBJECT ||
                                  resp->variables->type == SNMP_NOSUCHINSTANCE));
    snmp_free_pdu(resp);
}

int main(void)
{
    return tu_run_fixture(
        "oidtree",
        (tu_case[]){{"walk: only objects of the MIB", test_walk},
                    {"golden: every object implemented", test_golden_complete},
                    {"registry: table columns and index", test_registry_tables},
                    {"registry: SET only where read-write", test_registry_modes},
                    {"GET of an unknown scalar", test_no_such_object},
                    {NULL, NULL}},
        init_suite, cleanup_suite);
}

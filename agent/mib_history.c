/*
 * mib_history.c - scepcHistory (SPEC.md T2-T4): the two scalars and
 * scepcHistTable, read from the backend's history ring (g_agent.hist) at
 * request time. Read-only.
 *
 * The table has at most 20 rows, so table_iterator (which looks at every row
 * per request) costs nothing here and copes with the wrapping index: the
 * rows are kept oldest first, which is not index order once the index has
 * wrapped from 4294967295 to 1.
 */
#include "config.h"

#include "agent.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    HCOL_INDEX = 1,
    HCOL_NAME,
    HCOL_SOURCE,
    HCOL_STATE,
    HCOL_DETAIL,
    HCOL_HTTP,
    HCOL_FAILINFO,
    HCOL_TEXT,
    HCOL_TRANSID,
    HCOL_POLLS,
    HCOL_REQTIME,
    HCOL_DONETIME
};

#define HIST_TEXT_MAX    255 /* scepcHistErrorText SIZE (0..255) */
#define HIST_TRANSID_MAX 64

int agent_hist_detail(scep_rc rc)
{
    switch (rc) {
    case SCEP_OK:
        return 1;
    case SCEP_E_PENDING:
        return 2;
    case SCEP_E_KEYSTORE_FULL:
        return 3;
    case SCEP_E_TCP:
        return 4;
    case SCEP_E_HTTP:
        return 5;
    case SCEP_E_FAILINFO_BADALG:
        return 6;
    case SCEP_E_FAILINFO_BADMSGCHK:
        return 7;
    case SCEP_E_FAILINFO_BADREQ:
        return 8;
    case SCEP_E_FAILINFO_BADTIME:
        return 9;
    case SCEP_E_FAILINFO_BADCERTID:
        return 10;
    case SCEP_E_TIMEOUT:
        return 11;
    case SCEP_E_FAILURE:
        return 12;
    case SCEP_E_BAD_SIGNATURE:
        return 13;
    case SCEP_E_NONCE_MISMATCH:
        return 14;
    case SCEP_E_TRANSID_MISMATCH:
        return 15;
    case SCEP_E_CA_FINGERPRINT:
        return 16;
    case SCEP_E_CA_CHANGED:
        return 17;
    case SCEP_E_TLS_VERIFY:
        return 18;
    case SCEP_E_MALFORMED:
        return 19;
    case SCEP_E_CONTENT_TYPE:
        return 20;
    case SCEP_E_DECRYPT:
        return 21;
    case SCEP_E_CERT_MISMATCH:
        return 22;
    case SCEP_E_CACERT:
        return 23;
    case SCEP_E_KEYGEN:
        return 24;
    case SCEP_E_CSR:
        return 25;
    case SCEP_E_CRYPTO:
        return 26;
    case SCEP_E_IO:
        return 27;
    case SCEP_E_NO_RENEWAL:
        return 28;
    case SCEP_E_COMMAND:
        return 29;
    case SCEP_E_CANCELLED:
        return 30;
    case SCEP_E_BAD_URL:
        return 31;
    case SCEP_E_INVALID:
        return 32;
    case SCEP_E_EXISTS:
        return 33;
    case SCEP_E_NOT_FOUND:
        return 34;
    case SCEP_E_DEFAULT_KEY:
        return 35;
    case SCEP_E_BUSY:
        return 36;
    case SCEP_E_NOMEM:
        return 37;
    case SCEP_E_NAME:
        return 38;
    case SCEP_E_INTERNAL:
    case SCEP_E_LAST:
        return 39;
    case SCEP_E_CERT_UNTRUSTED:
        return 40;
    }
    return 39; /* a code this revision of the MIB does not know */
}

int agent_hist_failinfo(int fail_info)
{
    return fail_info >= 0 && fail_info <= 4 ? fail_info + 2 : 1;
}

size_t agent_utf8_cut(const char *s, size_t n)
{
    size_t len = strlen(s);
    if (len <= n)
        return len;
    /* back off over continuation octets so a character is never split */
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* scepcHistErrorText: the T3 detail, then ": " and the raw cause. Empty for a
 * row that has nothing to report (waiting, in progress, completed fine). */
static void error_text(const scep_hist_entry *h, char *buf, size_t n)
{
    buf[0] = 0;
    if (h->code == SCEP_OK && h->state != SCEP_HIST_ERROR)
        return;
    scep_error e;
    scep_error_clear(&e);
    e.code = h->code;
    e.http_status = h->http_status;
    e.fail_info = h->fail_info;
    snprintf(e.text, sizeof e.text, "%s", h->text);
    scep_error_format(&e, buf, n);
}

int mib_history_column(const scep_hist_entry *h, int col, netsnmp_variable_list *v)
{
    char text[512];
    switch (col) {
    case HCOL_NAME:
        agent_var_str(v, h->name, SCEP_NAME_MAX);
        break;
    case HCOL_SOURCE:
        agent_var_int(v, h->source == SCEP_SRC_AUTO ? 2 : 1);
        break;
    case HCOL_STATE:
        agent_var_int(v, h->state >= SCEP_HIST_WAITING && h->state <= SCEP_HIST_COMPLETED
                             ? (long)h->state
                             : (long)SCEP_HIST_ERROR);
        break;
    case HCOL_DETAIL:
        agent_var_int(v, agent_hist_detail(h->code));
        break;
    case HCOL_HTTP:
        agent_var_uint(v, ASN_UNSIGNED,
                       h->http_status > 0 && h->http_status <= 999
                           ? (unsigned long)h->http_status
                           : 0);
        break;
    case HCOL_FAILINFO:
        agent_var_int(v, agent_hist_failinfo(h->fail_info));
        break;
    case HCOL_TEXT:
        error_text(h, text, sizeof text);
        agent_var_str(v, text, HIST_TEXT_MAX);
        break;
    case HCOL_TRANSID:
        agent_var_str(v, h->transaction_id, HIST_TRANSID_MAX);
        break;
    case HCOL_POLLS:
        agent_var_uint(v, ASN_UNSIGNED, h->polls);
        break;
    case HCOL_REQTIME:
        agent_var_time(v, h->requested);
        break;
    case HCOL_DONETIME:
        agent_var_time(v, h->state == SCEP_HIST_ERROR || h->state == SCEP_HIST_COMPLETED
                              ? h->completed
                              : 0);
        break;
    default:
        return -1;
    }
    return 0;
}

/* ---- Net-SNMP 5.9.3 AgentX work-around ----------------------------------- */

/*
 * A subagent of Net-SNMP 5.9.3 on a 64-bit host receives the sub-identifiers
 * of 2147483648 and above sign-extended (4294967295 arrives as
 * 0xffffffffffffffff), so the table helpers compare the request with a row
 * OID that never matches: rows with such an index (the history index wraps
 * at 4294967295) answered noSuchInstance and were skipped by GETNEXT. SNMP
 * sub-identifiers are 32 bits: this handler, put in front of the helpers,
 * cuts them back before anything looks at the name.
 */
static int subid_fix(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
                     netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
    for (netsnmp_request_info *r = requests; r; r = r->next)
        for (size_t i = 0; i < r->requestvb->name_length; i++)
            r->requestvb->name[i] &= (oid)0xffffffffUL;
    return netsnmp_call_next_handler(handler, reg, reqinfo, requests);
}

int agent_fix_subids(netsnmp_handler_registration *reg)
{
    netsnmp_mib_handler *h = netsnmp_create_handler("scepcSubidFix", subid_fix);
    if (!h || netsnmp_inject_handler(reg, h) != SNMPERR_SUCCESS) {
        if (h)
            netsnmp_handler_free(h);
        return -1;
    }
    return 0;
}

/* ---- the table ----------------------------------------------------------- */

static netsnmp_variable_list *row_at(void **loop, void **data, netsnmp_variable_list *idx)
{
    unsigned i = (unsigned)(uintptr_t)*loop;
    scep_hist_entry *h = g_agent.hist ? scep_history_at(g_agent.hist, i) : NULL;
    if (!h)
        return NULL;
    u_long u = h->index;
    snmp_set_var_typed_value(idx, ASN_UNSIGNED, &u, sizeof u);
    *data = h;
    *loop = (void *)(uintptr_t)(i + 1);
    return idx;
}

static netsnmp_variable_list *
first_row(void **loop, void **data, netsnmp_variable_list *idx, netsnmp_iterator_info *info)
{
    (void)info;
    *loop = (void *)(uintptr_t)0;
    return row_at(loop, data, idx);
}

static netsnmp_variable_list *next_row(void **loop, void **data, netsnmp_variable_list *idx,
                                       netsnmp_iterator_info *info)
{
    (void)info;
    return row_at(loop, data, idx);
}

static int table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
                         netsnmp_agent_request_info *reqinfo,
                         netsnmp_request_info *requests)
{
    (void)handler;
    (void)reg;
    if (reqinfo->mode != MODE_GET)
        return SNMP_ERR_NOERROR; /* read-only: the registration refuses SETs */
    for (netsnmp_request_info *r = requests; r; r = r->next) {
        if (r->processed)
            continue;
        const scep_hist_entry *h = netsnmp_extract_iterator_context(r);
        netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
        if (!h || !ti || mib_history_column(h, (int)ti->colnum, r->requestvb) != 0)
            netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
    }
    return SNMP_ERR_NOERROR;
}

/* ---- the scalars --------------------------------------------------------- */

static int scalar_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
                          netsnmp_agent_request_info *reqinfo,
                          netsnmp_request_info *requests)
{
    (void)handler;
    (void)reg;
    if (reqinfo->mode != MODE_GET)
        return SNMP_ERR_NOERROR;
    for (netsnmp_request_info *r = requests; r; r = r->next) {
        if (r->processed)
            continue;
        switch (r->requestvb->name[r->requestvb->name_length - 2]) { /* base.col.0 */
        case 1:
            agent_var_uint(r->requestvb, ASN_UNSIGNED,
                           g_agent.hist ? scep_history_max(g_agent.hist)
                                        : SCEP_HISTORY_MAX);
            break;
        case 2:
            agent_var_uint(r->requestvb, ASN_UNSIGNED,
                           g_agent.hist ? scep_history_last_index(g_agent.hist) : 0);
            break;
        default:
            netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
        }
    }
    return SNMP_ERR_NOERROR;
}

void mib_history_init(void)
{
    static const oid max_oid[] = SCEPC_OID(1, 4, 1);
    static const oid last_oid[] = SCEPC_OID(1, 4, 2);
    static const oid table_oid[] = SCEPC_OID(1, 4, 3);
    int ok = 1;

    netsnmp_handler_registration *reg =
        netsnmp_create_handler_registration("scepcHistMaxEntries", scalar_handler, max_oid,
                                            OID_LENGTH(max_oid), HANDLER_CAN_RONLY);
    ok &= reg && netsnmp_register_read_only_scalar(reg) == MIB_REGISTERED_OK;
    reg =
        netsnmp_create_handler_registration("scepcHistLastIndex", scalar_handler, last_oid,
                                            OID_LENGTH(last_oid), HANDLER_CAN_RONLY);
    ok &= reg && netsnmp_register_read_only_scalar(reg) == MIB_REGISTERED_OK;

    netsnmp_table_registration_info *ti =
        SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
    netsnmp_iterator_info *ii = SNMP_MALLOC_TYPEDEF(netsnmp_iterator_info);
    reg = netsnmp_create_handler_registration("scepcHistTable", table_handler, table_oid,
                                              OID_LENGTH(table_oid), HANDLER_CAN_RONLY);
    if (!ti || !ii || !reg) {
        free(ti);
        free(ii);
        if (reg)
            netsnmp_handler_registration_free(reg);
        snmp_log(LOG_ERR, "cannot register scepcHistTable: out of memory\n");
        return;
    }
    netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
    ti->min_column = HCOL_NAME;
    ti->max_column = HCOL_DONETIME;
    ii->get_first_data_point = first_row;
    ii->get_next_data_point = next_row;
    ii->table_reginfo = ti;
    if (netsnmp_register_table_iterator2(reg, ii) != MIB_REGISTERED_OK)
        ok = 0;
    else if (agent_fix_subids(reg) != 0) /* after: it must come first */
        snmp_log(LOG_WARNING,
                 "scepcHistTable: indexes above 2147483647 may not be found\n");
    if (!ok)
        snmp_log(LOG_ERR, "cannot register scepcHistory\n");
}

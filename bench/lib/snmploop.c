/*
 * snmploop.c - a low-overhead SNMP client for bench/agent (SPEC.md P1, P4):
 * one long-lived process, one SNMPv2c session, each request timed on its
 * own (CLOCK_MONOTONIC around snmp_sess_synch_response), so neither process
 * start-up nor key localisation is counted. Built by bench/agent (cc -O2,
 * pkg-config netsnmp), not by make.
 *
 *   snmploop get  -a HOST:PORT [-c COMMUNITY] -o OUT [-n MIN] [-S STOPFILE]
 *                 [-R READYFILE] [-t TIMEOUT_S] [-C CONTROL_OID -O CONTROL_OUT] OID
 *       GET OID in a loop until at least MIN requests were sent (default
 *       500) and, with -S, STOPFILE exists. One line per request in OUT:
 *       the latency in microseconds (a timed-out request counts with the
 *       time it took, i.e. the timeout). READYFILE is created after the
 *       first answer. With -C, every GET of OID is followed by one GET of
 *       CONTROL_OID (timed into CONTROL_OUT): a paired control, e.g. an
 *       object the master answers itself. Prints "requests N errors E" on
 *       stdout (N: GETs of OID; E: failed GETs of either).
 *   snmploop walk -a HOST:PORT [-c COMMUNITY] -o OUT [-k RUNS] [-m MAXREP] OID
 *       RUNS GETBULK walks of the subtree OID (max-repetitions MAXREP,
 *       default 10 like snmpbulkwalk); appends one line per walk to OUT:
 *       "SECONDS VARBINDS REQUESTS".
 *
 * Numeric OIDs only; no MIB is loaded. Exit status 0, 1 when a request
 * failed (get: any error; walk: a walk did not complete), 2 on bad usage.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct opts {
    const char *addr, *community, *out, *stop, *ready, *ctl_out;
    long min, runs, maxrep, timeout;
    oid root[MAX_OID_LEN], ctl[MAX_OID_LEN];
    size_t rootlen, ctllen;
} opts;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_oid(const char *s, oid *o, size_t *len)
{
    size_t n = 0;
    char *end;

    while (*s) {
        if (*s == '.')
            s++;
        if (n == MAX_OID_LEN || *s < '0' || *s > '9')
            return -1;
        o[n++] = (oid)strtoul(s, &end, 10);
        s = end;
    }
    *len = n;
    return n ? 0 : -1;
}

static void *open_session(const opts *op)
{
    netsnmp_session s;
    void *h;

    snmp_sess_init(&s);
    s.peername = (char *)op->addr;
    s.version = SNMP_VERSION_2c;
    s.community = (u_char *)op->community;
    s.community_len = strlen(op->community);
    s.timeout = op->timeout * 1000000L;
    s.retries = 0;
    h = snmp_sess_open(&s);
    if (!h)
        snmp_perror("snmploop: snmp_sess_open");
    return h;
}

/* One answered GET without an error or exception. */
static int good_answer(int st, const netsnmp_pdu *r)
{
    return st == STAT_SUCCESS && r && r->errstat == SNMP_ERR_NOERROR && r->variables &&
           r->variables->type != SNMP_NOSUCHOBJECT &&
           r->variables->type != SNMP_NOSUCHINSTANCE &&
           r->variables->type != SNMP_ENDOFMIBVIEW;
}

/* One timed GET of o; its latency (us) to out; 0 when it was answered. */
static int get_once(void *h, const oid *o, size_t len, FILE *out)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
    double t0, t1;
    int st, ok;

    snmp_add_null_var(pdu, o, len);
    t0 = now_s();
    st = snmp_sess_synch_response(h, pdu, &resp);
    t1 = now_s();
    ok = good_answer(st, resp);
    if (resp)
        snmp_free_pdu(resp);
    fprintf(out, "%.1f\n", (t1 - t0) * 1e6);
    return ok ? 0 : -1;
}

static int do_get(const opts *op, void *h, FILE *out, FILE *ctl_out)
{
    long n = 0, errors = 0;
    int ready = 0;

    for (;;) {
        if (n >= op->min && (!op->stop || access(op->stop, F_OK) == 0))
            break;
        if (get_once(h, op->root, op->rootlen, out))
            errors++;
        if (ctl_out && get_once(h, op->ctl, op->ctllen, ctl_out))
            errors++;
        n++;
        if (!ready && op->ready) {
            FILE *f = fopen(op->ready, "w");
            if (f)
                fclose(f);
            ready = 1;
        }
    }
    printf("requests %ld errors %ld\n", n, errors);
    return errors ? 1 : 0;
}

/* One GETBULK walk of op->root; 0 when it reached the end of the subtree. */
static int walk_once(const opts *op, void *h, long *nvb, long *nreq)
{
    oid cur[MAX_OID_LEN];
    size_t curlen = op->rootlen;

    memcpy(cur, op->root, op->rootlen * sizeof(oid));
    *nvb = *nreq = 0;
    for (;;) {
        netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETBULK), *resp = NULL;
        netsnmp_variable_list *v;
        int st;

        pdu->non_repeaters = 0;
        pdu->max_repetitions = op->maxrep;
        snmp_add_null_var(pdu, cur, curlen);
        st = snmp_sess_synch_response(h, pdu, &resp);
        (*nreq)++;
        if (st != STAT_SUCCESS || !resp || resp->errstat != SNMP_ERR_NOERROR) {
            if (resp)
                snmp_free_pdu(resp);
            return -1;
        }
        for (v = resp->variables; v; v = v->next_variable) {
            if (v->type == SNMP_ENDOFMIBVIEW || v->name_length < op->rootlen ||
                snmp_oid_compare(v->name, op->rootlen, op->root, op->rootlen) != 0 ||
                snmp_oid_compare(v->name, v->name_length, cur, curlen) <= 0) {
                snmp_free_pdu(resp);
                return 0; /* left the subtree (or not increasing): done */
            }
            (*nvb)++;
            memcpy(cur, v->name, v->name_length * sizeof(oid));
            curlen = v->name_length;
        }
        snmp_free_pdu(resp);
    }
}

static int do_walk(const opts *op, void *h, FILE *out)
{
    int rc = 0;

    for (long i = 0; i < op->runs; i++) {
        long nvb, nreq;
        double t0 = now_s();
        int r = walk_once(op, h, &nvb, &nreq);
        double t1 = now_s();

        if (r) {
            fprintf(stderr, "snmploop: walk %ld failed after %ld varbinds\n", i, nvb);
            rc = 1;
            continue;
        }
        fprintf(out, "%.6f %ld %ld\n", t1 - t0, nvb, nreq);
    }
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: snmploop get|walk -a HOST:PORT [-c COMMUNITY] -o OUT [-n MIN] "
                    "[-S STOP] [-R READY] [-t SECS] [-C OID -O OUT] [-k RUNS] [-m MAXREP] "
                    "OID\n");
}

int main(int argc, char **argv)
{
    opts op = {.community = "public", .min = 500, .runs = 1, .maxrep = 10, .timeout = 2};
    const char *mode;
    FILE *out, *ctl_out = NULL;
    void *h;
    int c, rc;

    if (argc < 2) {
        usage();
        return 2;
    }
    mode = argv[1];
    optind = 2;
    while ((c = getopt(argc, argv, "a:c:o:n:S:R:t:k:m:C:O:")) != -1) {
        switch (c) {
        case 'a':
            op.addr = optarg;
            break;
        case 'c':
            op.community = optarg;
            break;
        case 'o':
            op.out = optarg;
            break;
        case 'n':
            op.min = atol(optarg);
            break;
        case 'S':
            op.stop = optarg;
            break;
        case 'R':
            op.ready = optarg;
            break;
        case 't':
            op.timeout = atol(optarg);
            break;
        case 'k':
            op.runs = atol(optarg);
            break;
        case 'm':
            op.maxrep = atol(optarg);
            break;
        case 'C':
            if (parse_oid(optarg, op.ctl, &op.ctllen)) {
                usage();
                return 2;
            }
            break;
        case 'O':
            op.ctl_out = optarg;
            break;
        default:
            usage();
            return 2;
        }
    }
    if (!op.addr || !op.out || optind != argc - 1 || op.timeout < 1 || op.maxrep < 1 ||
        parse_oid(argv[optind], op.root, &op.rootlen) ||
        (strcmp(mode, "get") && strcmp(mode, "walk")) || !op.ctllen != !op.ctl_out) {
        usage();
        return 2;
    }
    setenv("MIBS", "", 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD,
                           1);
    init_snmp("snmploop");
    h = open_session(&op);
    if (!h)
        return 1;
    out = fopen(op.out, "a");
    if (!out) {
        perror(op.out);
        snmp_sess_close(h);
        return 1;
    }
    if (op.ctl_out && !(ctl_out = fopen(op.ctl_out, "a"))) {
        perror(op.ctl_out);
        fclose(out);
        snmp_sess_close(h);
        return 1;
    }
    rc = strcmp(mode, "get") == 0 ? do_get(&op, h, out, ctl_out) : do_walk(&op, h, out);
    if (fclose(out) != 0) {
        perror(op.out);
        rc = 1;
    }
    if (ctl_out && fclose(ctl_out) != 0) {
        perror(op.ctl_out);
        rc = 1;
    }
    snmp_sess_close(h);
    snmp_shutdown("snmploop");
    return rc;
}

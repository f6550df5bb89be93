/*
 * sceptool - one-shot command-line front end of libscep (SPEC.md B6):
 * getcaps, getca, enroll, renew, poll. For scripting, debugging and the
 * benchmarks; the daemon uses the same library.
 */
#include "config.h"

#include "scep-int.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct opts {
    scep_settings s;
    scep_params p;
    const char *store;
    const char *key_file;
    const char *challenge_file;
    const char *out;
    unsigned capacity;
    int replace_usage;
    int verbose;
    int org_set, bits_set, usage_set; /* given on the command line (renew) */
} opts;

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: sceptool --url URL [options] COMMAND\n"
        "Commands:\n"
        "  getcaps            print the server's capabilities (GetCACaps)\n"
        "  getca              print the CA fingerprint; the CA/RA PEM with --out FILE\n"
        "  enroll             generate (or use --key) a key, enroll it, store key+cert\n"
        "  renew              RenewalReq signed with the stored certificate of --name\n"
        "  poll               resume the pending enrollment of --name (CertPoll)\n"
        "Server:\n"
        "  --url URL          SCEP URL, http(s)://host[:port]/path\n"
        "  --port N           port override (0 = from the URL)\n"
        "  --timeout S        connect + total timeout in seconds (1-300, default 30)\n"
        "  --ca-fingerprint H SHA-256 pin of the CA certificate (hex, colons allowed)\n"
        "  --cacert FILE      CA bundle that verifies an HTTPS server\n"
        "  --proxy URL        HTTP proxy\n"
        "Request (enroll/renew/poll):\n"
        "  --store DIR        key store directory (created 0700)\n"
        "  --capacity N       key store capacity (default 100)\n"
        "  --name NAME        key name [A-Za-z0-9._-]{1,32}\n"
        "  --cn CN            common name: IP address or FQDN (also the subjectAltName)\n"
        "  --org O            organization\n"
        "  --bits N           RSA key length 1024|2048|3072|4096 (default 2048)\n"
        "  --key FILE         use this PEM private key instead of generating one\n"
        "  --hash H           CSR signature hash sha1|sha256|sha384|sha512 (default "
        "sha256)\n"
        "  --usage U          none|tls|ipsec|dot1x (default none)\n"
        "  --ipsec-policy P   IPsec policy name (with --usage ipsec)\n"
        "  --challenge-file F read the challenge password from F ('-' = stdin)\n"
        "  --replace-usage    on success replace the stored key of the same usage\n"
        "  --require-standard refuse a server without SCEPStandard in GetCACaps\n"
        "Other:\n"
        "  --out FILE         getca: write the CA/RA certificates (PEM) to FILE\n"
        "  -v, --verbose      log the protocol steps to stderr\n"
        "  -h, --help         this text;  -V, --version  the version\n"
        "Exit codes: 0 success, 1 usage, 2 invalid argument, 3 communication error,\n"
        "4 SCEP failure (failInfo), 5 pending, 6 invalid response, 7 CA pin or\n"
        "CA changed, 8 key store, 9 local crypto, 10 other. See sceptool(1).\n");
}

static int read_challenge(const char *path, scep_params *p)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sceptool: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char buf[SCEP_CHALLENGE_MAX + 2];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    if (f != stdin)
        fclose(f);
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    int rc = 0;
    if (n > SCEP_CHALLENGE_MAX) {
        fprintf(stderr, "sceptool: the challenge is longer than %d characters\n",
                SCEP_CHALLENGE_MAX);
        rc = -1;
    } else {
        memcpy(p->challenge, buf, n + 1);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

static int fail(const scep_error *e)
{
    char buf[512];
    fprintf(stderr, "sceptool: %s\n", scep_error_format(e, buf, sizeof buf));
    if (e->fail_info >= 0)
        fprintf(stderr, "sceptool: failInfo %d\n", e->fail_info);
    return scep_rc_exit_code(e->code);
}

static void print_key(const scep_enroll_result *r)
{
    const scep_keyinfo *k = &r->key;
    char nb[32], na[32];
    printf("name: %s\nindex: %u\nusage: %s\nsubject: %s\nissuer: %s\nserial: %s\n"
           "notBefore: %s\nnotAfter: %s\nsha256: %s\ntransactionID: %s\n",
           k->name, (unsigned)k->index, scep_usage_name(k->usage), k->subject, k->issuer,
           k->serial, scep_time_iso(k->not_before, nb, sizeof nb),
           scep_time_iso(k->not_after, na, sizeof na), k->sha256, r->transaction_id);
    if (r->replaced[0])
        printf("replaced: %s\n", r->replaced);
}

static int cmd_getcaps(scep_client *c)
{
    unsigned caps;
    scep_error e;
    scep_error_clear(&e);
    if (scep_get_caps(c, &caps, &e))
        return fail(&e);
    char buf[256];
    printf("%s\n", scep_caps_format(caps, buf, sizeof buf));
    printf("digest: %s\ncipher: %s\n", scep_caps_digest(caps), scep_caps_cipher(caps));
    return 0;
}

static int cmd_getca(scep_client *c, const opts *o)
{
    char fpr[SCEP_FPR_HEX_LEN + 1];
    char *pem = NULL;
    scep_error e;
    scep_error_clear(&e);
    if (scep_get_ca(c, fpr, &pem, &e))
        return fail(&e);
    printf("sha256: %s\n", fpr);
    int rc = 0;
    if (o->out) {
        if (scep_write_file_atomic(o->out, pem, strlen(pem), 0644, &e))
            rc = fail(&e);
    } else {
        fputs(pem, stdout);
    }
    free(pem);
    return rc;
}

/* renew without --cn/--org/--usage/--bits: the stored certificate's subject
 * and the stored key's usage and length (the README example works as is). */
static void renew_defaults(scep_keystore *ks, opts *o)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    scep_keyinfo k;
    if (scep_keystore_get(ks, o->p.name, &k, NULL) == SCEP_OK) {
        if (!o->usage_set)
            o->p.usage = k.usage;
        if (!o->bits_set && k.bits)
            o->p.bits = k.bits;
    }
    if (scep_keystore_load(ks, o->p.name, &key, &cert, NULL) == SCEP_OK && cert) {
        X509_NAME *sn = X509_get_subject_name(cert);
        if (!o->p.cn[0])
            X509_NAME_get_text_by_NID(sn, NID_commonName, o->p.cn, sizeof o->p.cn);
        if (!o->org_set)
            X509_NAME_get_text_by_NID(sn, NID_organizationName, o->p.org, sizeof o->p.org);
    }
    EVP_PKEY_free(key);
    X509_free(cert);
}

static int cmd_request(scep_client *c, opts *o, const char *cmd)
{
    scep_error e;
    scep_error_clear(&e);
    if (!o->store || !o->p.name[0]) {
        fprintf(stderr, "sceptool: %s needs --store and --name\n", cmd);
        return 1;
    }
    scep_keystore *ks = NULL;
    if (scep_keystore_open(o->store, o->capacity, &ks, &e))
        return fail(&e);
    scep_enroll_result r;
    scep_rc rc;
    if (strcmp(cmd, "poll") == 0) {
        rc = scep_poll(c, ks, o->p.name, &r, &e);
    } else {
        scep_enroll_opts eo = {.key_file = o->key_file, .replace_usage = o->replace_usage};
        if (strcmp(cmd, "renew") == 0) {
            eo.renew_name = o->p.name;
            renew_defaults(ks, o);
        }
        if (!o->p.cn[0]) {
            fprintf(stderr, "sceptool: %s needs --cn\n", cmd);
            scep_keystore_close(ks);
            return 1;
        }
        rc = scep_enroll(c, ks, &o->p, &eo, &r, &e);
    }
    int status = 0;
    if (rc == SCEP_E_PENDING) {
        fprintf(stderr, "sceptool: Pending: transactionID %s saved; resume with 'poll'\n",
                r.transaction_id);
        status = scep_rc_exit_code(rc);
    } else if (rc) {
        status = fail(&e);
    } else {
        print_key(&r);
    }
    scep_keystore_close(ks);
    return status;
}

static void log_stderr(int level, const char *msg, void *ctx)
{
    const int *verbose = ctx;
    if (level <= SCEP_LOG_WARNING || *verbose)
        fprintf(stderr, "sceptool: %s\n", msg);
}

enum {
    O_URL = 256,
    O_PORT,
    O_TIMEOUT,
    O_FPR,
    O_CACERT,
    O_PROXY,
    O_STORE,
    O_CAPACITY,
    O_NAME,
    O_CN,
    O_ORG,
    O_BITS,
    O_KEY,
    O_HASH,
    O_USAGE,
    O_POLICY,
    O_CHALLENGE,
    O_OUT,
    O_REPLACE,
    O_STANDARD
};

static int copy_arg(char *dst, size_t n, const char *arg, const char *what)
{
    if (strlen(arg) >= n) {
        fprintf(stderr, "sceptool: %s is too long (at most %zu characters)\n", what, n - 1);
        return -1;
    }
    memcpy(dst, arg, strlen(arg) + 1);
    return 0;
}

static int parse_num(const char *arg, long lo, long hi, long *out, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || end == arg || v < lo || v > hi) {
        fprintf(stderr, "sceptool: %s must be a number from %ld to %ld\n", what, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option lo[] = {{"url", 1, NULL, O_URL},
                                       {"port", 1, NULL, O_PORT},
                                       {"timeout", 1, NULL, O_TIMEOUT},
                                       {"ca-fingerprint", 1, NULL, O_FPR},
                                       {"cacert", 1, NULL, O_CACERT},
                                       {"proxy", 1, NULL, O_PROXY},
                                       {"store", 1, NULL, O_STORE},
                                       {"capacity", 1, NULL, O_CAPACITY},
                                       {"name", 1, NULL, O_NAME},
                                       {"cn", 1, NULL, O_CN},
                                       {"org", 1, NULL, O_ORG},
                                       {"bits", 1, NULL, O_BITS},
                                       {"key", 1, NULL, O_KEY},
                                       {"hash", 1, NULL, O_HASH},
                                       {"usage", 1, NULL, O_USAGE},
                                       {"ipsec-policy", 1, NULL, O_POLICY},
                                       {"challenge-file", 1, NULL, O_CHALLENGE},
                                       {"out", 1, NULL, O_OUT},
                                       {"replace-usage", 0, NULL, O_REPLACE},
                                       {"require-standard", 0, NULL, O_STANDARD},
                                       {"verbose", 0, NULL, 'v'},
                                       {"help", 0, NULL, 'h'},
                                       {"version", 0, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
    int ch, bad = 0;
    long v;
    while ((ch = getopt_long(argc, argv, "vhV", lo, NULL)) != -1) {
        switch (ch) {
        case O_URL:
            bad |= copy_arg(o->s.url, sizeof o->s.url, optarg, "--url");
            break;
        case O_PORT:
            bad |= parse_num(optarg, 0, 65535, &v, "--port");
            o->s.port = (unsigned)v;
            break;
        case O_TIMEOUT:
            bad |= parse_num(optarg, SCEP_TIMEOUT_MIN, SCEP_TIMEOUT_MAX, &v, "--timeout");
            o->s.timeout = (unsigned)v;
            break;
        case O_FPR:
            if (scep_normalize_fpr(optarg, strlen(optarg), o->s.ca_pin) != SCEP_OK) {
                fprintf(stderr,
                        "sceptool: --ca-fingerprint must be a SHA-256 fingerprint\n");
                bad = -1;
            }
            break;
        case O_CACERT:
            bad |=
                copy_arg(o->s.cacert_bundle, sizeof o->s.cacert_bundle, optarg, "--cacert");
            break;
        case O_PROXY:
            bad |= copy_arg(o->s.proxy, sizeof o->s.proxy, optarg, "--proxy");
            break;
        case O_STORE:
            o->store = optarg;
            break;
        case O_CAPACITY:
            bad |= parse_num(optarg, 1, 100000, &v, "--capacity");
            o->capacity = (unsigned)v;
            break;
        case O_NAME:
            if (scep_check_name(optarg, strlen(optarg), NULL) != SCEP_OK) {
                fprintf(stderr,
                        "sceptool: --name must be 1..%d characters of "
                        "[A-Za-z0-9._-], not starting with a dot\n",
                        SCEP_NAME_MAX);
                bad = -1;
            } else {
                bad |= copy_arg(o->p.name, sizeof o->p.name, optarg, "--name");
            }
            break;
        case O_CN:
            bad |= copy_arg(o->p.cn, sizeof o->p.cn, optarg, "--cn");
            break;
        case O_ORG:
            bad |= copy_arg(o->p.org, sizeof o->p.org, optarg, "--org");
            o->org_set = 1;
            break;
        case O_BITS:
            bad |= parse_num(optarg, 1024, 4096, &v, "--bits");
            o->p.bits = (unsigned)v;
            o->bits_set = 1;
            break;
        case O_KEY:
            o->key_file = optarg;
            break;
        case O_HASH:
            if ((v = scep_hash_from_name(optarg)) < 0) {
                fprintf(stderr,
                        "sceptool: --hash must be sha1, sha256, sha384 or sha512\n");
                bad = -1;
            } else {
                o->p.hash = (scep_hash)v;
            }
            break;
        case O_USAGE:
            if ((v = scep_usage_from_name(optarg)) < 0) {
                fprintf(stderr, "sceptool: --usage must be none, tls, ipsec or dot1x\n");
                bad = -1;
            } else {
                o->p.usage = (scep_usage)v;
                o->usage_set = 1;
            }
            break;
        case O_POLICY:
            bad |= copy_arg(o->p.ipsec_policy, sizeof o->p.ipsec_policy, optarg,
                            "--ipsec-policy");
            break;
        case O_CHALLENGE:
            o->challenge_file = optarg;
            break;
        case O_OUT:
            o->out = optarg;
            break;
        case O_REPLACE:
            o->replace_usage = 1;
            break;
        case O_STANDARD:
            o->s.require_standard = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("sceptool (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            exit(0);
        default:
            return -1; /* usage */
        }
    }
    return bad ? -2 : 0; /* -2: an option's value is invalid (exit status 2) */
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    scep_settings_init(&o.s);
    scep_params_init(&o.p);
    o.capacity = 100;
    int prc = parse_opts(argc, argv, &o);
    if (prc == -2)
        return 2; /* sceptool(1): invalid argument; the reason is printed */
    if (prc != 0 || optind != argc - 1) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[optind];
    scep_set_log(log_stderr, &o.verbose);
    if (o.challenge_file && read_challenge(o.challenge_file, &o.p) != 0)
        return 2;
    if (scep_global_init() != SCEP_OK) {
        fprintf(stderr, "sceptool: cannot initialise libcurl/OpenSSL\n");
        return 10;
    }
    scep_client *c = NULL;
    scep_error e;
    scep_error_clear(&e);
    int status;
    if (scep_client_new(&o.s, &c, &e) != SCEP_OK) {
        status = fail(&e);
    } else if (strcmp(cmd, "getcaps") == 0) {
        status = cmd_getcaps(c);
    } else if (strcmp(cmd, "getca") == 0) {
        status = cmd_getca(c, &o);
    } else if (!strcmp(cmd, "enroll") || !strcmp(cmd, "renew") || !strcmp(cmd, "poll")) {
        status = cmd_request(c, &o, cmd);
    } else {
        fprintf(stderr, "sceptool: unknown command \"%s\"\n", cmd);
        usage(stderr);
        status = 1;
    }
    scep_client_free(c);
    scep_params_wipe(&o.p);
    scep_global_cleanup();
    return status;
}

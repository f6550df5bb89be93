/* test_schema.c - the settings schema (scep/schema.c) and the request model
 * (scep/request.c): every keyword with a good value and each kind of bad
 * one, the state file read field by field, save + load, export without
 * secrets, import all or nothing, the request parameter setters. */
#include "config.h"

#include "scep-schema.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PIN95C                                                                             \
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:aa:bb:" \
    "cc:dd:ee:ff"

static const char *const policies[] = {"office", "branch", NULL};

static char *rep(char c, size_t n)
{
    static char buf[32][400];
    static int i;
    char *b = buf[i++ % 32];
    memset(b, c, n);
    b[n] = 0;
    return b;
}

/* One keyword: a good value (as the text form writes it) and bad ones with
 * the reason an import gives. */
typedef struct bad {
    const char *value;
    const char *reason;
} bad;
typedef struct kcase {
    const char *kw;
    const char *good;
    bad bads[4];
} kcase;

static kcase *cases(size_t *n)
{
    static kcase k[32];
    static char longurl[300];
    size_t i = 0;
    snprintf(longurl, sizeof longurl, "http://%s", rep('a', 250));
    k[i++] = (kcase){"serverUrl",
                     "http://ca.example.com:8080/scep",
                     {{longurl, "wrong length"},
                      {"ftp://ca.example.com/scep", "invalid value"},
                      {"http://ca\\qx/", "bad escape"}}};
    k[i++] = (kcase){"serverPort",
                     "8080",
                     {{"65536", "invalid value"},
                      {"8o", "not a number"},
                      {"-1", "not a number"},
                      {"1234567890123456789012", "not a number"}}};
    k[i++] =
        (kcase){"serverTimeout",
                "45",
                {{"0", "invalid value"}, {"301", "invalid value"}, {"", "not a number"}}};
    k[i++] = (kcase){"caPin",
                     PIN64,
                     {{rep('a', 96), "wrong length"},
                      {rep('a', 63), "wrong length"},
                      {rep('z', 64), "invalid value"},
                      {"ab\\", "bad escape"}}};
    k[i++] = (kcase){"autoEnable", "0", {{"2", "invalid value"}, {"yes", "not a number"}}};
    k[i++] = (kcase){"autoStart",
                     "07e90c1f173b3b00",
                     {{"07e90c1f173b3b0000", "wrong length"},
                      {"07e90d0100000000", "invalid value"},
                      {"07ea021e00000000", "invalid value"},
                      {"07e90c1f173b3bzz", "not hexadecimal"}}};
    k[i++] = (kcase){"autoJitter", "0", {{"2", "invalid value"}, {"on", "not a number"}}};
    k[i++] = (kcase){
        "autoPollCount", "1000", {{"1001", "invalid value"}, {"1e3", "not a number"}}};
    k[i++] = (kcase){
        "autoPollInterval", "86400", {{"0", "invalid value"}, {"86401", "invalid value"}}};
    k[i++] = (kcase){"autoInterval",
                     "4294967295",
                     {{"59", "invalid value"},
                      {"1", "invalid value"},
                      {"4294967296", "invalid value"},
                      {"60s", "not a number"}}};
    k[i++] = (kcase){"autoRestart", "1", {{"2", "invalid value"}, {" 1", "not a number"}}};
    k[i++] = (kcase){"autoDeletePrevious", "1", {{"2", "invalid value"}}};
    k[i++] = (kcase){"autoRenewDays", "3650", {{"3651", "invalid value"}}};
    k[i++] = (kcase){"autoKeyName",
                     "web-1.key_x",
                     {{rep('k', 33), "wrong length"},
                      {".hidden", "invalid value"},
                      {"a b", "invalid value"},
                      {"a\\nb", "invalid value"}}};
    k[i++] = (kcase){"autoHash", "4", {{"0", "invalid value"}, {"5", "invalid value"}}};
    k[i++] =
        (kcase){"autoBits", "3072", {{"2047", "invalid value"}, {"8192", "invalid value"}}};
    k[i++] = (kcase){"autoOrganization",
                     "Example Org, Inc.",
                     {{rep('o', 65), "wrong length"},
                      {"a\\nb", "invalid value"},
                      {"caf\xc3\xa9", "invalid value"}}};
    k[i++] = (kcase){"autoCommonName",
                     "host.example.com",
                     {{rep('c', 65), "wrong length"},
                      {"bad host!", "invalid value"},
                      {"10.0.0.300", "invalid value"}}};
    k[i++] = (kcase){"autoUsage", "3", {{"0", "invalid value"}, {"5", "invalid value"}}};
    k[i++] = (kcase){
        "autoIpsecPolicy",
        "branch",
        {{rep('p', 65), "wrong length"}, {"nosuch", "not a configured IPsec policy"}}};
    k[i++] = (kcase){"notifyEnable", "0", {{"32", "invalid value"}}};
    k[i++] = (kcase){
        "expiryWarnDays", "365", {{"0", "invalid value"}, {"366", "invalid value"}}};
    *n = i;
    return k;
}

/* Import of text over *s; returns the rc, err in errbuf. */
static scep_rc import(scep_state *s, const char *text, char *err, size_t n)
{
    err[0] = 0;
    return scep_state_import(s, text, strlen(text), policies, err, n);
}

static int has_line(const scep_state *s, const char *kw, const char *v)
{
    char want[400];
    size_t len;
    char *t = scep_state_format(s, 0, &len);
    snprintf(want, sizeof want, "\n%s %s\n", kw, v);
    int r = t && strstr(t, want) != NULL;
    free(t);
    return r;
}

static void test_table(void)
{
    /* every field has a row, keywords are unique and found again */
    for (int f = 0; f < SCEP_F_COUNT; f++) {
        const scep_schema_field *d = scep_schema_field_of((scep_field)f);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d->keyword);
        CU_ASSERT_EQUAL(scep_schema_find(d->keyword), f);
        CU_ASSERT(d->min <= d->max);
        CU_ASSERT_EQUAL(d->exportable, f != SCEP_F_SEEN);
    }
    CU_ASSERT_PTR_NULL(scep_schema_field_of(SCEP_F_COUNT));
    CU_ASSERT_EQUAL(scep_schema_find("serverurl"), -1);
    CU_ASSERT_EQUAL(scep_schema_find("autoChallenge"), -1); /* never a schema field */
    /* every keyword has a case below */
    size_t n;
    (void)cases(&n);
    CU_ASSERT_EQUAL(n, SCEP_F_COUNT - 1); /* caSeen: test_state_file */
}

static void test_keywords(void)
{
    size_t n;
    kcase *k = cases(&n);
    char text[600], err[256];
    for (size_t i = 0; i < n; i++) {
        scep_state s, before;
        scep_state_defaults(&s);
        snprintf(text, sizeof text, "%s %s\n", k[i].kw, k[i].good);
        CU_ASSERT_EQUAL(import(&s, text, err, sizeof err), SCEP_OK);
        if (err[0])
            fprintf(stderr, "%s: %s\n", k[i].kw, err);
        CU_ASSERT(has_line(&s, k[i].kw, k[i].good));
        before = s;
        for (int b = 0; b < 4 && k[i].bads[b].value; b++) {
            char want[200];
            snprintf(text, sizeof text, "# a comment\n\n%s %s\n", k[i].kw,
                     k[i].bads[b].value);
            CU_ASSERT_EQUAL(import(&s, text, err, sizeof err), SCEP_E_INVALID);
            snprintf(want, sizeof want, "line 3: %s: %s", k[i].kw, k[i].bads[b].reason);
            if (strcmp(err, want) != 0)
                fprintf(stderr, "%s %s: got \"%s\", wanted \"%s\"\n", k[i].kw,
                        k[i].bads[b].value, err, want);
            CU_ASSERT_STRING_EQUAL(err, want);
            CU_ASSERT_EQUAL(memcmp(&s, &before, sizeof s), 0);
            /* the value is never echoed */
            if (strlen(k[i].bads[b].value) > 4)
                CU_ASSERT_PTR_NULL(strstr(err, k[i].bads[b].value));
            /* the state file: refused with its line number, the value kept
             * (the IPsec policy is not checked against a list there) */
            if (strstr(k[i].bads[b].reason, "IPsec"))
                continue;
            tu_log[0] = 0;
            scep_state_parse(&s, text, strlen(text));
            CU_ASSERT_EQUAL(memcmp(&s, &before, sizeof s), 0);
            CU_ASSERT_PTR_NOT_NULL(strstr(tu_log, want));
        }
    }
    /* unknown keyword, no value, given twice */
    scep_state s;
    scep_state_defaults(&s);
    CU_ASSERT_EQUAL(import(&s, "serverPort 1\nbogus 1\n", err, sizeof err), SCEP_E_INVALID);
    CU_ASSERT_STRING_EQUAL(err, "line 2: unknown setting");
    CU_ASSERT_EQUAL(import(&s, "serverPort\n", err, sizeof err), SCEP_E_INVALID);
    CU_ASSERT_STRING_EQUAL(err, "line 1: serverPort: no value");
    CU_ASSERT_EQUAL(import(&s, "serverPort 1\r\nserverPort 2\r\n", err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_STRING_EQUAL(err, "line 2: serverPort: given twice");
    CU_ASSERT_EQUAL(s.port, 0);
}

static void test_state_setters(void)
{
    scep_state s;
    scep_state_defaults(&s);
    /* a field of the other kind */
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_URL, 1), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_PORT, "1", 1), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_COUNT, 1), SCEP_FIELD_WRONG_VALUE);
    /* URL: length, NUL, empty */
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_URL, "http://a\0b/", 11),
                    SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_URL, "http://ca/scep", 14),
                    SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(s.url, "http://ca/scep");
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_URL, "", 0), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(s.url, "");
    /* the pin: colons and case normalized; what was seen stays (issue 9: a
     * cleared pin returns to it) */
    static const char seen[] = "0123456789abcdef0123456789abcdef"
                               "0123456789abcdef0123456789abcdef";
    memcpy(s.ca_seen, seen, sizeof seen);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_PIN, PIN95C, strlen(PIN95C)),
                    SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(s.ca_pin, PIN64);
    CU_ASSERT_STRING_EQUAL(s.ca_seen, seen);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_PIN, rep('a', 95), 95),
                    SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_PIN, "", 0), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(s.ca_pin, "");
    CU_ASSERT_STRING_EQUAL(s.ca_seen, seen); /* not the pin that was typed */
    /* the start time: 8/11 octets, all-zero is "not set" */
    const unsigned char dt11[11] = {0x07, 0xe9, 6, 30, 12, 0, 0, 0, '+', 2, 0};
    const unsigned char zero[8] = {0};
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_START, dt11, 11), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(s.autoreq.start_len, 11);
    CU_ASSERT(has_line(&s, "autoStart", "07e9061e0c0000002b0200"));
    CU_ASSERT_EQUAL(scep_auto_start_time(&s.autoreq), 1751277600); /* 10:00 UTC */
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_START, dt11, 9),
                    SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_START, dt11, 4),
                    SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_START, "", 0),
                    SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(s.autoreq.start_len, 11);
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_START, zero, 8), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(s.autoreq.start_len, 0);
    CU_ASSERT_EQUAL(scep_auto_start_time(&s.autoreq), 0);
    CU_ASSERT(has_line(&s, "autoStart", ""));
    /* numbers: range and the extra rules */
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_INTERVAL, 0), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_INTERVAL, 59),
                    SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_INTERVAL, 60), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_INTERVAL, 0xffffffffLL),
                    SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(s.autoreq.interval, 0xffffffffu);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_BITS, 3000), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_ENABLE, 1), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(s.autoreq.enable, 1);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_ENABLE, -1), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_WARN_DAYS, 0), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(s.warn_days, 30);
    CU_ASSERT_EQUAL(scep_state_set_num(&s, SCEP_F_AUTO_USAGE, 4), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(s.autoreq.p.usage, SCEP_USAGE_DOT1X);
    /* the policy: not checked against a list here (RESERVE2 does) */
    CU_ASSERT_EQUAL(scep_state_set_text(&s, SCEP_F_AUTO_POLICY, "any", 3), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_check_policy("any", policies), SCEP_FIELD_INCONSISTENT);
    CU_ASSERT_EQUAL(scep_req_check_policy("", policies), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_field_rc_text(SCEP_FIELD_WRONG_LENGTH)[0], 'w');
}

static void test_request_setters(void)
{
    scep_params p, before;
    scep_params_init(&p);
#define KEPT() CU_ASSERT_EQUAL(memcmp(&p, &before, sizeof p), 0)
    /* name (M1) */
    CU_ASSERT_EQUAL(scep_req_set_name(&p, "web", 3), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(p.name, "web");
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_name(&p, rep('n', 33), 33), SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_req_set_name(&p, "a/b", 3), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_name(&p, ".x", 2), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_name(&p, "a\0b", 3), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_name(&p, rep('n', 32), 32), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_set_name(&p, "webXXX", 3),
                    SCEP_FIELD_OK); /* length honoured */
    CU_ASSERT_STRING_EQUAL(p.name, "web");
    CU_ASSERT_EQUAL(scep_req_set_name(&p, NULL, 0), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(p.name, "");
    /* hash (M2) */
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_hash(&p, 0), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_hash(&p, 5), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_hash(&p, 1), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(p.hash, SCEP_HASH_SHA1);
    /* key length (M3) */
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_bits(&p, 2047), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_bits(&p, 8192), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_bits(&p, -2048), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_bits(&p, 0x100000800LL), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_bits(&p, 4096), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(p.bits, 4096);
    /* organization (M4) */
    CU_ASSERT_EQUAL(scep_req_set_org(&p, "Org ~!", 6), SCEP_FIELD_OK);
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_org(&p, rep('o', 65), 65), SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_req_set_org(&p, "a\tb", 3), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_org(&p, "a\x7f", 2), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_org(&p, "a\0", 2), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_org(&p, rep('o', 64), 64), SCEP_FIELD_OK);
    /* common name (M5) */
    CU_ASSERT_EQUAL(scep_req_set_cn(&p, "2001:db8::1", 11), SCEP_FIELD_OK);
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_cn(&p, rep('c', 65), 65), SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_req_set_cn(&p, "bad host!", 9), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_cn(&p, "a\0b", 3), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_cn(&p, "host.example.com", 16), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(p.cn, "host.example.com");
    /* challenge (M6) */
    CU_ASSERT_EQUAL(scep_req_set_challenge(&p, rep('s', 255), 255), SCEP_FIELD_OK);
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_challenge(&p, rep('s', 256), 256),
                    SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_req_set_challenge(&p, "se\0cret", 7), SCEP_FIELD_WRONG_VALUE);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_challenge(&p, "s3cr3t", 6), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(p.challenge, "s3cr3t");
    /* usage and policy (M7) */
    before = p;
    CU_ASSERT_EQUAL(scep_req_set_usage(&p, 0), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_usage(&p, 5), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, rep('p', 65), 65, NULL),
                    SCEP_FIELD_WRONG_LENGTH);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "of\0fice", 7, NULL), SCEP_FIELD_WRONG_VALUE);
    /* one line: no control character (a trailing CR did not survive the
     * state file, fuzz_state) */
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "office\r", 7, NULL), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "of\tfice", 7, NULL), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "office\x7f", 7, NULL), SCEP_FIELD_WRONG_VALUE);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "nosuch", 6, policies),
                    SCEP_FIELD_INCONSISTENT);
    KEPT();
    CU_ASSERT_EQUAL(scep_req_set_usage(&p, 3), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "office", 6, policies), SCEP_FIELD_OK);
    CU_ASSERT_STRING_EQUAL(p.ipsec_policy, "office");
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "nosuch", 6, NULL), SCEP_FIELD_OK);
    /* UTF-8 */
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "b\xc3\xbcro", 5, NULL), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_set_policy(&p, "", 0, policies), SCEP_FIELD_OK);
    /* what the setters accept, the whole-request validation accepts too */
    CU_ASSERT_EQUAL(scep_req_set_name(&p, "web", 3), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_set_usage(&p, 2), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_params_validate(&p, policies, NULL), SCEP_OK);
#undef KEPT
}

static void test_dateandtime(void)
{
    const unsigned char utc[11] = {0x07, 0xb2, 1, 1, 0, 0, 0, 0, '+', 0, 0};
    const unsigned char east[11] = {0x07, 0xb2, 1, 1, 1, 30, 0, 0, '+', 1, 30};
    const unsigned char leap[8] = {0x07, 0xe8, 2, 29, 0, 0, 0, 0};
    const unsigned char noleap[8] = {0x07, 0xe9, 2, 29, 0, 0, 0, 0};
    const unsigned char badoff[11] = {0x07, 0xb2, 1, 1, 0, 0, 0, 0, 'x', 0, 0};
    const unsigned char decis[8] = {0x07, 0xe9, 1, 1, 0, 0, 0, 10};
    CU_ASSERT_EQUAL(scep_dateandtime_parse(utc, 11), 0);
    CU_ASSERT_EQUAL(scep_dateandtime_parse(east, 11), 0);
    CU_ASSERT_NOT_EQUAL(scep_dateandtime_parse(leap, 8), (time_t)-1);
    CU_ASSERT_EQUAL(scep_dateandtime_parse(noleap, 8), (time_t)-1);
    CU_ASSERT_EQUAL(scep_dateandtime_parse(badoff, 11), (time_t)-1);
    CU_ASSERT_EQUAL(scep_dateandtime_parse(decis, 8), (time_t)-1);
    CU_ASSERT_EQUAL(scep_dateandtime_parse(utc, 9), (time_t)-1);
}

/* A state with every field away from its default. */
static void busy_state(scep_state *s)
{
    scep_state_defaults(s);
    size_t n;
    kcase *k = cases(&n);
    char text[4096] = "", err[256];
    for (size_t i = 0; i < n; i++)
        if (strcmp(k[i].kw, "autoEnable") != 0) {
            size_t l = strlen(text);
            snprintf(text + l, sizeof text - l, "%s %s\n", k[i].kw, k[i].good);
        }
    CU_ASSERT_EQUAL_FATAL(import(s, text, err, sizeof err), SCEP_OK);
    CU_ASSERT_EQUAL(scep_state_set_text(s, SCEP_F_AUTO_ORG, "A\nb\\c", 5),
                    SCEP_FIELD_WRONG_VALUE); /* no control characters in an org */
    CU_ASSERT_EQUAL(scep_state_set_text(s, SCEP_F_URL, "http://c/a\\b", 12), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_state_set_text(s, SCEP_F_SEEN, rep('e', 64), 64), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_req_set_challenge(&s->autoreq.p, "top secret\\n", 12),
                    SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_state_set_num(s, SCEP_F_AUTO_ENABLE, 1), SCEP_FIELD_OK);
}

static void test_roundtrip(void)
{
    char *dir = tu_mkdtemp("schema");
    scep_state s, t;
    scep_error e;
    busy_state(&s);
    CU_ASSERT(has_line(&s, "serverUrl", "http://c/a\\\\b"));
    CU_ASSERT_EQUAL_FATAL(scep_state_save(dir, &s, &e), SCEP_OK);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "scepagentd.state"), 0600);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "auto-challenge.secret"), 0600);
    char path[600];
    size_t len;
    snprintf(path, sizeof path, "%s/scepagentd.state", dir);
    char *text = (char *)tu_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NULL(strstr(text, "top secret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\ncaSeen "));
    free(text);
    tu_log[0] = 0;
    scep_state_defaults(&t);
    CU_ASSERT_EQUAL(scep_state_load(dir, &t, &e), SCEP_OK);
    CU_ASSERT_EQUAL(memcmp(&s, &t, sizeof s), 0);
    CU_ASSERT_STRING_EQUAL(t.autoreq.p.challenge, "top secret\\n");
    CU_ASSERT_STRING_EQUAL(tu_log, ""); /* nothing refused */
    /* no challenge: its file goes */
    t.autoreq.p.challenge[0] = 0;
    CU_ASSERT_EQUAL(scep_state_save(dir, &t, &e), SCEP_OK);
    CU_ASSERT_FALSE(tu_file_exists(dir, "auto-challenge.secret"));
    CU_ASSERT_EQUAL(tu_count_entries(dir), 1); /* no temp file left */
    /* no state file: the defaults stay */
    tu_rmtree(dir);
    free(dir);
    dir = tu_mkdtemp("schema");
    scep_state_defaults(&s);
    t = s;
    CU_ASSERT_EQUAL(scep_state_load(dir, &t, &e), SCEP_OK);
    CU_ASSERT_EQUAL(memcmp(&s, &t, sizeof s), 0);
    tu_rmtree(dir);
    free(dir);
}

static void test_state_file(void)
{
    char *dir = tu_mkdtemp("schema");
    scep_state s, def;
    scep_error e;
    tu_write_text(dir, "scepagentd.state",
                  "# state\n"
                  "serverUrl http://ca.example.com/scep\n"
                  "serverPort 99999\n"
                  "autoPollInterval 0\n"
                  "autoCommonName bad host!\n"
                  "autoKeyName good\n"
                  "bogus 1\n"
                  "serverTimeout 45\n"
                  "serverTimeout 46\n"
                  "autoStart 07e90d0100000000\n"
                  "caSeen " PIN64 "\n"
                  "caPin nothex\n"
                  "autoOrganization \\x\n"
                  "autoIpsecPolicy not-configured\n"
                  "expiryWarnDays\n");
    tu_write_text(dir, "auto-challenge.secret", rep('x', 256));
    scep_state_defaults(&def);
    s = def;
    tu_log[0] = 0;
    CU_ASSERT_EQUAL(scep_state_load(dir, &s, &e), SCEP_OK);
    /* good lines loaded */
    CU_ASSERT_STRING_EQUAL(s.url, "http://ca.example.com/scep");
    CU_ASSERT_STRING_EQUAL(s.autoreq.p.name, "good");
    CU_ASSERT_EQUAL(s.timeout, 45);
    CU_ASSERT_STRING_EQUAL(s.ca_seen, PIN64);
    CU_ASSERT_STRING_EQUAL(s.autoreq.p.ipsec_policy, "not-configured"); /* no list here */
    /* broken ones refused, the default kept */
    CU_ASSERT_EQUAL(s.port, def.port);
    CU_ASSERT_EQUAL(s.autoreq.poll_interval, 300);
    CU_ASSERT_STRING_EQUAL(s.autoreq.p.cn, "");
    CU_ASSERT_EQUAL(s.autoreq.start_len, 0);
    CU_ASSERT_STRING_EQUAL(s.ca_pin, "");
    CU_ASSERT_STRING_EQUAL(s.autoreq.p.org, "");
    CU_ASSERT_EQUAL(s.warn_days, 30);
    CU_ASSERT_STRING_EQUAL(s.autoreq.p.challenge, ""); /* 256 octets: refused */
    /* each with its line number */
    static const char *const want[] = {"line 3: serverPort: invalid value",
                                       "line 4: autoPollInterval: invalid value",
                                       "line 5: autoCommonName: invalid value",
                                       "line 7: unknown setting",
                                       "line 9: serverTimeout: given twice",
                                       "line 10: autoStart: invalid value",
                                       "line 12: caPin: wrong length",
                                       "line 13: autoOrganization: bad escape",
                                       "line 15: expiryWarnDays: no value",
                                       "auto-challenge.secret: wrong length",
                                       NULL};
    for (int i = 0; want[i]; i++) {
        if (!strstr(tu_log, want[i]))
            fprintf(stderr, "not logged: %s\n", want[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(tu_log, want[i]));
    }
    CU_ASSERT_PTR_NULL(strstr(tu_log, "bad host"));
    CU_ASSERT_PTR_NULL(strstr(tu_log, "xxxx"));
    int lines = 0;
    for (const char *c = tu_log; *c; c++)
        lines += *c == '\n';
    CU_ASSERT_EQUAL(lines, 10);
    /* unreadable state file: an error, not the defaults silently */
    char path[600];
    snprintf(path, sizeof path, "%s/scepagentd.state", dir);
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
    CU_ASSERT_EQUAL(scep_state_load(dir, &s, &e), SCEP_E_IO);
    tu_rmtree(dir);
    free(dir);
}

static void test_export(void)
{
    char *dir = tu_mkdtemp("schema");
    char path[600], err[256];
    scep_state s, t;
    scep_error e;
    size_t len;
    busy_state(&s);
    snprintf(path, sizeof path, "%s/export.conf", dir);
    CU_ASSERT_EQUAL_FATAL(scep_state_export_file(&s, path, &e), SCEP_OK);
    CU_ASSERT_EQUAL(tu_file_mode(dir, "export.conf"), 0600);
    char *text = (char *)tu_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NULL(strstr(text, "top secret"));
    CU_ASSERT_PTR_NULL(strstr(text, "caSeen"));
    CU_ASSERT_PTR_NULL(strstr(text, rep('e', 64)));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\ncaPin " PIN64 "\n"));
    free(text);
    /* imported elsewhere: the same settings; challenge and TOFU there kept */
    scep_state_defaults(&t);
    CU_ASSERT_EQUAL(scep_req_set_challenge(&t.autoreq.p, "other", 5), SCEP_FIELD_OK);
    CU_ASSERT_EQUAL(scep_state_import_file(&t, path, policies, err, sizeof err), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(t.autoreq.p.challenge, "other");
    CU_ASSERT_STRING_EQUAL(t.ca_seen, ""); /* the pin is not what this host saw */
    char *a = scep_state_format(&s, 1, &len), *b = scep_state_format(&t, 1, &len);
    CU_ASSERT_STRING_EQUAL(a, b);
    free(a);
    free(b);
    /* a copy of the state file: caSeen accepted and ignored */
    CU_ASSERT_EQUAL(scep_state_save(dir, &s, &e), SCEP_OK);
    snprintf(path, sizeof path, "%s/scepagentd.state", dir);
    scep_state_defaults(&t);
    CU_ASSERT_EQUAL(scep_state_import_file(&t, path, policies, err, sizeof err), SCEP_OK);
    CU_ASSERT_STRING_EQUAL(t.ca_seen, ""); /* caSeen of another host ignored */
    CU_ASSERT_STRING_EQUAL(t.autoreq.p.challenge, "");
    tu_rmtree(dir);
    free(dir);
}

static void test_import(void)
{
    char *dir = tu_mkdtemp("schema");
    char path[600], err[256];
    scep_state s, before;
    scep_state_defaults(&s);
    before = s;
    /* all or nothing: good lines before a bad one are not applied */
    CU_ASSERT_EQUAL(import(&s,
                           "serverUrl http://ca/scep\nserverPort 81\nautoKeyName k\n"
                           "# comment\nautoBits 4096\nautoHash 9\nserverTimeout 9\n",
                           err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_STRING_EQUAL(err, "line 6: autoHash: invalid value");
    CU_ASSERT_EQUAL(memcmp(&s, &before, sizeof s), 0);
    /* the timer needs a complete request */
    CU_ASSERT_EQUAL(import(&s, "serverUrl http://ca/scep\nautoEnable 1\n", err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "autoEnable: the timer cannot be enabled"));
    CU_ASSERT_EQUAL(memcmp(&s, &before, sizeof s), 0);
    CU_ASSERT_EQUAL(import(&s,
                           "serverUrl http://ca/scep\nautoEnable 1\nautoKeyName k\n"
                           "autoCommonName h.example\nautoUsage 3\n",
                           err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "ipsec"));
    CU_ASSERT_EQUAL(
        import(&s,
               "serverUrl http://ca/scep\nautoEnable 1\nautoKeyName k\n"
               "autoCommonName h.example\nautoUsage 3\nautoIpsecPolicy office\n",
               err, sizeof err),
        SCEP_OK);
    CU_ASSERT_EQUAL(s.autoreq.enable, 1);
    CU_ASSERT_EQUAL(s.autoreq.p.usage, SCEP_USAGE_IPSEC);
    /* not text, too big */
    before = s;
    CU_ASSERT_EQUAL(scep_state_import(&s, "serverPort 1\0", 13, policies, err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL"));
    char *big = malloc(SCEP_IMPORT_MAX + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, '#', SCEP_IMPORT_MAX + 1);
    big[SCEP_IMPORT_MAX + 1] = 0;
    tu_write_text(dir, "big.conf", big);
    snprintf(path, sizeof path, "%s/big.conf", dir);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, path, policies, err, sizeof err),
                    SCEP_E_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger"));
    big[SCEP_IMPORT_MAX] = 0; /* the largest accepted: all comment */
    tu_write_text(dir, "big.conf", big);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, path, policies, err, sizeof err), SCEP_OK);
    free(big);
    /* a link, a FIFO (never blocks), a directory, nothing */
    tu_write_text(dir, "real.conf", "serverPort 7\n");
    snprintf(path, sizeof path, "%s/link.conf", dir);
    char target[600];
    snprintf(target, sizeof target, "%s/real.conf", dir);
    CU_ASSERT_EQUAL_FATAL(symlink(target, path), 0);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, path, policies, err, sizeof err), SCEP_E_IO);
    snprintf(path, sizeof path, "%s/fifo.conf", dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, path, policies, err, sizeof err), SCEP_E_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    CU_ASSERT_EQUAL(scep_state_import_file(&s, dir, policies, err, sizeof err), SCEP_E_IO);
    snprintf(path, sizeof path, "%s/none.conf", dir);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, path, policies, err, sizeof err), SCEP_E_IO);
    CU_ASSERT_EQUAL(memcmp(&s, &before, sizeof s), 0);
    CU_ASSERT_EQUAL(scep_state_import_file(&s, target, policies, err, sizeof err), SCEP_OK);
    CU_ASSERT_EQUAL(s.port, 7);
    tu_rmtree(dir);
    free(dir);
}

static int init(void)
{
    scep_set_log(tu_log_capture, NULL);
    return 0;
}

static int cleanup(void)
{
    scep_set_log(NULL, NULL);
    return 0;
}

int main(void)
{
    return tu_run_fixture(
        "schema",
        (tu_case[]){{"the table: one row per field", test_table},
                    {"every keyword: good, too long, range, syntax", test_keywords},
                    {"state setters: URL, pin, start, numbers", test_state_setters},
                    {"request model setters M1-M7", test_request_setters},
                    {"DateAndTime 8/11 octets", test_dateandtime},
                    {"save + load round trip, challenge file", test_roundtrip},
                    {"state file: broken lines refused by line", test_state_file},
                    {"export: no challenge, no caSeen", test_export},
                    {"import: all or nothing, files", test_import},
                    {NULL, NULL}},
        init, cleanup);
}

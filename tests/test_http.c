/* test_http.c - the libcurl transport (http.c) against a tiny HTTP server on
 * 127.0.0.1 run in a thread, and HTTPS against `openssl s_server`. */
#include "config.h"

#include "httpd.h"
#include "scep-int.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* HTTP transport against a one-connection server on 127.0.0.1             */
/* ------------------------------------------------------------------------ */

enum { SRV_REPLY, SRV_SILENT, SRV_FLOOD, SRV_BLURT };

typedef struct srv {
    int lfd, stop[2], mode, accepted;
    unsigned short port;
    pthread_t th;
    const char *reply;
    size_t reply_len, req_len;
    char req[65536];
} srv;

/* Wait for fd readable or the stop pipe; 1 = fd ready. */
static int srv_wait(srv *sv, int fd, int ms)
{
    struct pollfd p[2] = {{fd, POLLIN, 0}, {sv->stop[0], POLLIN, 0}};
    int n = poll(p, 2, ms);
    return n > 0 && (p[0].revents & (POLLIN | POLLHUP)) && !(p[1].revents & POLLIN);
}

/* Read headers and a Content-Length body into sv->req. */
static void srv_read_request(srv *sv, int fd)
{
    size_t need = 0, room;
    char *eoh = NULL;

    while ((room = sizeof sv->req - 1 - sv->req_len) > 0 && srv_wait(sv, fd, 5000)) {
        ssize_t n = recv(fd, sv->req + sv->req_len, room, 0);
        if (n <= 0)
            break;
        sv->req_len += (size_t)n;
        sv->req[sv->req_len] = '\0';
        if (!eoh && (eoh = strstr(sv->req, "\r\n\r\n")) != NULL) {
            char *cl = strcasestr(sv->req, "\r\nContent-Length:");
            need = (size_t)(eoh + 4 - sv->req);
            if (cl && cl < eoh)
                need += strtoul(cl + 17, NULL, 10);
        }
        if (eoh && sv->req_len >= need)
            break;
    }
}

static void *srv_main(void *arg)
{
    srv *sv = arg;
    int fd;

    if (!srv_wait(sv, sv->lfd, 10000) || (fd = accept(sv->lfd, NULL, NULL)) < 0)
        return NULL;
    sv->accepted++;
    if (sv->mode != SRV_BLURT) /* BLURT answers at once (a TLS client waits) */
        srv_read_request(sv, fd);
    if (sv->mode == SRV_REPLY || sv->mode == SRV_BLURT) {
        httpd_send_all(fd, sv->reply, sv->reply_len);
    } else if (sv->mode == SRV_SILENT) {
        srv_wait(sv, fd, 10000); /* until the client gives up or the test stops */
    } else {
        static char chunk[65536];
        const char *h = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
        memset(chunk, 'A', sizeof chunk);
        if (httpd_send_all(fd, h, strlen(h)) == 0)
            for (int i = 0; i < 64 && httpd_send_all(fd, chunk, sizeof chunk) == 0; i++)
                ;
    }
    close(fd);
    return NULL;
}

/* A port nobody listens on (bound once, closed): connections are refused. */
static unsigned short closed_port(void)
{
    unsigned short port = 0;
    int fd = httpd_loopback_socket(0, 0, &port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int srv_start(srv *sv, int mode, const char *reply, size_t reply_len)
{
    memset(sv, 0, sizeof *sv);
    sv->mode = mode;
    sv->reply = reply;
    sv->reply_len = reply_len ? reply_len : (reply ? strlen(reply) : 0);
    sv->lfd = httpd_loopback_socket(0, 4, &sv->port);
    if (sv->lfd < 0 || pipe(sv->stop) != 0)
        return -1;
    return pthread_create(&sv->th, NULL, srv_main, sv) == 0 ? 0 : -1;
}

static void srv_stop(srv *sv)
{
    if (write(sv->stop[1], "x", 1) != 1)
        perror("write");
    pthread_join(sv->th, NULL);
    close(sv->stop[0]);
    close(sv->stop[1]);
    close(sv->lfd);
}

/* Replace "PORT" in s (in place) by port. */
static void subst_port(char *s, size_t size, unsigned short port)
{
    char *p = strstr(s, "PORT");
    char tail[512];
    if (!p)
        return;
    snprintf(tail, sizeof tail, "%s", p + 4);
    snprintf(p, size - (size_t)(p - s), "%u%s", port, tail);
}

/* One request: start a server (mode, reply), put its port into url ("PORT")
 * and s->proxy, run scep_http_curl with `cancel`, stop the server. */
static scep_rc xchg(srv *sv, int mode, const char *reply, size_t rlen, scep_settings *s,
                    const char *url, const scep_http_req *req, scep_http_resp *resp,
                    scep_error *e, volatile int *cancel)
{
    scep_rc rc;

    memset(e, 0, sizeof *e);
    if (srv_start(sv, mode, reply, rlen) != 0) {
        CU_FAIL("test server did not start");
        return SCEP_E_INTERNAL;
    }
    snprintf(s->url, sizeof s->url, "%s", url);
    subst_port(s->url, sizeof s->url, sv->port);
    subst_port(s->proxy, sizeof s->proxy, sv->port);
    if (!s->timeout)
        s->timeout = 5;
    rc = scep_http_curl((void *)cancel, s, req, resp, e);
    srv_stop(sv);
    return rc;
}

static const char CAPS_REPLY[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 60\r\n\r\n"
    "Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation";
static const char *URL = "http://127.0.0.1:PORT/scep";
static const scep_http_req CAPS_REQ = {"GetCACaps", NULL, 0, NULL};

static void test_http_get_caps(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;

    CU_ASSERT_EQUAL(
        xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL), SCEP_OK);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(e.http_status, 200);
    CU_ASSERT_STRING_EQUAL(resp.content_type, "text/plain");
    CU_ASSERT_EQUAL(resp.body_len, 60);
    CU_ASSERT_EQUAL(scep_caps_parse((const char *)resp.body, resp.body_len),
                    SCEP_CAP_RENEWAL | SCEP_CAP_SHA1 | SCEP_CAP_SHA256 | SCEP_CAP_AES |
                        SCEP_CAP_DES3 | SCEP_CAP_SCEPSTANDARD | SCEP_CAP_POST);
    CU_ASSERT_EQUAL(strncmp(sv.req, "GET /scep?operation=GetCACaps HTTP/1.1\r\n", 40), 0);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(sv.req, "\r\nUser-Agent: scep-agentx/" PACKAGE_VERSION "\r\n"));
    scep_http_resp_free(&resp);
    CU_ASSERT_PTR_NULL(resp.body);
    CU_ASSERT_EQUAL(resp.body_len, 0);
    scep_http_resp_free(&resp); /* twice is harmless */
}

static void test_http_get_message(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_req req = {"PKIOperation", NULL, 0, "MIIB+ab/c=="};
    scep_http_resp resp;
    scep_error e;
    static const char r[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-pki-message\r\n"
        "Transfer-Encoding: chunked\r\n\r\n3\r\n\x30\x00\x01\r\n0\r\n\r\n";

    /* A URL that already has a query string gets "&operation=". */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, r, sizeof r - 1, &s,
                         "http://127.0.0.1:PORT/cgi-bin/pkiclient.exe?x=1", &req, &resp, &e,
                         NULL),
                    SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req,
                                  "GET /cgi-bin/pkiclient.exe?x=1&operation=PKIOperation"
                                  "&message=MIIB%2Bab%2Fc%3D%3D HTTP/1.1\r\n"));
    CU_ASSERT_STRING_EQUAL(resp.content_type, "application/x-pki-message");
    CU_ASSERT_EQUAL(resp.body_len, 3);
    CU_ASSERT(resp.body && memcmp(resp.body, "\x30\x00\x01", 3) == 0);
    scep_http_resp_free(&resp);
}

static void test_http_post(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    unsigned char body[3000];
    scep_http_req req = {"PKIOperation", body, sizeof body, "ignored"};
    scep_http_resp resp;
    scep_error e;

    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (unsigned char)(i * 7);
    double t0 = tu_now();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                         0, &s, URL, &req, &resp, &e, NULL),
                    SCEP_OK);
    CU_ASSERT(tu_now() - t0 < 0.9); /* no "Expect: 100-continue" wait */
    CU_ASSERT_EQUAL(strncmp(sv.req, "POST /scep?operation=PKIOperation HTTP/1.1\r\n", 44),
                    0);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(sv.req, "\r\nContent-Type: application/x-pki-message\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, "\r\nContent-Length: 3000\r\n"));
    CU_ASSERT_PTR_NULL(strcasestr(sv.req, "Expect:"));
    char *eoh = strstr(sv.req, "\r\n\r\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(eoh);
    CU_ASSERT_EQUAL(sv.req_len - (size_t)(eoh + 4 - sv.req), sizeof body);
    CU_ASSERT_EQUAL(memcmp(eoh + 4, body, sizeof body), 0);
    CU_ASSERT_STRING_EQUAL(resp.content_type, ""); /* none sent */
    CU_ASSERT_EQUAL(resp.body_len, 2);
    scep_http_resp_free(&resp);
}

static void test_http_status_errors(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_req req = {"GetCACert", NULL, 0, NULL};
    scep_http_resp resp;
    scep_error e;
    char buf[128];
    const char *r404 =
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
        "Content-Length: 46\r\n\r\n<html><body>\n404 page not found\x01</body></html>";

    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, r404, 0, &s, "http://127.0.0.1:PORT/nope", &req,
                         &resp, &e, NULL),
                    SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.code, SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 404);
    CU_ASSERT_EQUAL(resp.status, 404);
    CU_ASSERT_PTR_NULL(resp.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "HTTP status 404: 404 page not found"));
    CU_ASSERT_PTR_NULL(strchr(e.text, '\x01'));
    CU_ASSERT_PTR_NULL(strchr(e.text, '<'));
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&e, buf, sizeof buf),
                           "Communication error (TCP ERROR 404)");

    /* A redirect is an error, never followed (one connection only). */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY,
                         "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
                         "Content-Length: 0\r\n\r\n",
                         0, &s, URL, &req, &resp, &e, NULL),
                    SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 302);
    CU_ASSERT_EQUAL(sv.accepted, 1);
    /* the error text names where it pointed */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "redirect to http://127.0.0.1:1/elsewhere"));

    /* 500 with a long text body: the excerpt is bounded. */
    char big[600];
    int n = snprintf(big, sizeof big,
                     "HTTP/1.1 500 Internal Server Error\r\n"
                     "Content-Length: 400\r\n\r\n");
    memset(big + n, 'x', 400);
    big[n + 400] = '\0';
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, big, 0, &s, URL, &req, &resp, &e, NULL),
                    SCEP_E_HTTP);
    CU_ASSERT_EQUAL(e.http_status, 500);
    CU_ASSERT(strlen(e.text) < 140);
}

static void test_http_closed_port(void)
{
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char buf[128];
    unsigned short port = closed_port();

    CU_ASSERT_NOT_EQUAL_FATAL(port, 0);
    memset(&e, 0, sizeof e);
    e.http_status = 404; /* stale from an earlier call: must be reset */
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:%u/scep", port);
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_E_TCP);
    CU_ASSERT_EQUAL(e.code, SCEP_E_TCP);
    CU_ASSERT_EQUAL(e.http_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "GetCACaps"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "Failed to connect"));
    CU_ASSERT_STRING_EQUAL(scep_error_detail(&e, buf, sizeof buf),
                           "Communication error (TCP ERROR)");
}

static void test_http_timeout(void)
{
    srv sv;
    scep_settings s = {.timeout = 1};
    scep_http_resp resp;
    scep_error e;

    double t0 = tu_now();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_SILENT, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_TIMEOUT);
    double dt = tu_now() - t0;
    CU_ASSERT(dt >= 0.9 && dt < 2.5);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "timed out after 1 s"));
    CU_ASSERT_EQUAL(sv.accepted, 1);
}

static void test_http_too_large(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;

    /* No Content-Length: stopped by the write callback. */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_FLOOD, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "too large"));
    CU_ASSERT_PTR_NULL(resp.body);

    /* An announced Content-Length over the cap. */
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY,
                         "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\nxx", 0, &s, URL,
                         &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_MALFORMED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "too large"));
}

static void *set_flag_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    *(volatile int *)arg = 1;
    return NULL;
}

static void test_http_cancel(void)
{
    srv sv;
    scep_settings s = {.timeout = 10};
    scep_http_resp resp;
    scep_error e;
    volatile int cancel = 1;
    pthread_t th;

    /* Already set: nothing is sent. */
    CU_ASSERT_EQUAL(
        xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, &cancel),
        SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(sv.accepted, 0);

    /* Set while the server keeps us waiting (timeout 10 s). */
    cancel = 0;
    pthread_create(&th, NULL, set_flag_later, (void *)&cancel);
    double t0 = tu_now();
    CU_ASSERT_EQUAL(xchg(&sv, SRV_SILENT, NULL, 0, &s, URL, &CAPS_REQ, &resp, &e, &cancel),
                    SCEP_E_CANCELLED);
    double dt = tu_now() - t0;
    pthread_join(th, NULL);
    CU_ASSERT(dt < 2.5);
    CU_ASSERT_EQUAL(e.code, SCEP_E_CANCELLED);
    CU_ASSERT_EQUAL(sv.accepted, 1);
}

static void test_http_bad_url(void)
{
    scep_settings s;
    scep_http_req req = CAPS_REQ;
    scep_http_resp resp;
    scep_error e;
    const char *urls[] = {"ftp://127.0.0.1/scep",
                          "file:///etc/passwd",
                          "127.0.0.1/scep",
                          "gopher://127.0.0.1/",
                          "",
                          "http://[::1/scep"};

    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        memset(&e, 0, sizeof e);
        memset(&s, 0, sizeof s);
        snprintf(s.url, sizeof s.url, "%s", urls[i]);
        s.timeout = 2;
        CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &req, &resp, &e), SCEP_E_BAD_URL);
        CU_ASSERT_EQUAL(e.code, SCEP_E_BAD_URL);
    }
    /* Invalid arguments. */
    req.operation = "Get CACaps";
    snprintf(s.url, sizeof s.url, "http://127.0.0.1/scep");
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &req, &resp, &e), SCEP_E_INVALID);
    CU_ASSERT_EQUAL(scep_http_curl(NULL, NULL, &CAPS_REQ, &resp, &e), SCEP_E_INVALID);
}

static void test_http_port_override(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char url[64], host[64];

    /* The URL names a closed port; s.port wins. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/scep", closed_port());
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(srv_start(&sv, SRV_REPLY, CAPS_REPLY, 0), 0);
    snprintf(s.url, sizeof s.url, "%s", url);
    s.port = sv.port;
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_OK);
    srv_stop(&sv);
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%u\r\n", sv.port);
    CU_ASSERT_PTR_NOT_NULL(strstr(sv.req, host));
    scep_http_resp_free(&resp);

    /* The URL without a port (80), overridden. */
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(srv_start(&sv, SRV_REPLY, CAPS_REPLY, 0), 0);
    snprintf(s.url, sizeof s.url, "http://127.0.0.1/scep");
    s.port = sv.port;
    CU_ASSERT_EQUAL(scep_http_curl(NULL, &s, &CAPS_REQ, &resp, &e), SCEP_OK);
    srv_stop(&sv);
    CU_ASSERT_EQUAL(sv.accepted, 1);
    scep_http_resp_free(&resp);
}

static void test_http_proxy(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char env[64];

    /* A proxy in the environment is ignored (only the configuration counts). */
    snprintf(env, sizeof env, "http://127.0.0.1:%u", closed_port());
    setenv("http_proxy", env, 1);
    setenv("ALL_PROXY", env, 1);
    CU_ASSERT_EQUAL(
        xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, URL, &CAPS_REQ, &resp, &e, NULL), SCEP_OK);
    scep_http_resp_free(&resp);
    unsetenv("http_proxy");
    unsetenv("ALL_PROXY");

    /* A configured proxy gets the absolute URL. */
    snprintf(s.proxy, sizeof s.proxy, "http://127.0.0.1:PORT");
    CU_ASSERT_EQUAL(xchg(&sv, SRV_REPLY, CAPS_REPLY, 0, &s, "http://scep.invalid/scep",
                         &CAPS_REQ, &resp, &e, NULL),
                    SCEP_OK);
    CU_ASSERT_EQUAL(
        strncmp(sv.req, "GET http://scep.invalid/scep?operation=GetCACaps ", 49), 0);
    scep_http_resp_free(&resp);
}

/* `openssl s_server -www` on 127.0.0.1 with a self-signed certificate for IP
 * 127.0.0.1 (key and cert written to dir). The pid, or -1. */
static pid_t tls_server(const char *dir, char *cert, size_t n, unsigned short *port)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = tu_mkcert("127.0.0.1", k, NULL, NULL, "critical,CA:TRUE", NULL);
    X509V3_CTX v3;
    char key[512], acc[32];
    FILE *f;
    pid_t pid = -1;

    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, k, EVP_sha256());
    snprintf(cert, n, "%s/server.crt", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    if ((f = fopen(cert, "w")) != NULL) {
        PEM_write_X509(f, x);
        fclose(f);
    }
    if ((f = fopen(key, "w")) != NULL) {
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
        fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(k);
    for (int attempt = 0; attempt < 5 && pid < 0; attempt++) {
        *port = closed_port();
        snprintf(acc, sizeof acc, "127.0.0.1:%u", *port);
        pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_RDWR);
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", acc,
                   "-cert", cert, "-key", key, (char *)NULL);
            _exit(127);
        }
        for (int i = 0; pid > 0 && i < 250; i++) { /* up to 5 s to listen */
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(*port)};
            struct timespec ts = {0, 20 * 1000 * 1000};
            int fd = socket(AF_INET, SOCK_STREAM, 0), up;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
            close(fd);
            if (up)
                return pid;
            if (waitpid(pid, NULL, WNOHANG) == pid) /* died (port taken?) */
                pid = -1;
            nanosleep(&ts, NULL);
        }
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            pid = -1;
        }
    }
    return -1;
}

static scep_rc https_get(scep_settings *s, const char *host, unsigned short port,
                         scep_http_resp *resp, scep_error *e)
{
    memset(e, 0, sizeof *e);
    snprintf(s->url, sizeof s->url, "https://%s:%u/", host, port);
    return scep_http_curl(NULL, s, &CAPS_REQ, resp, e);
}

static void test_http_https(void)
{
    srv sv;
    scep_settings s = {.timeout = 5};
    scep_http_resp resp;
    scep_error e;
    char *dir = tu_mkdtemp("https");
    char cert[512];
    unsigned short port;
    FILE *f;

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    pid_t pid = tls_server(dir, cert, sizeof cert, &port);
    CU_ASSERT_FATAL(pid > 0);

    /* Trusted through the configured bundle ("-www" answers any GET /). */
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s", cert);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_OK);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT(resp.body_len > 0);
    scep_http_resp_free(&resp);

    /* Host name not in the certificate. */
    CU_ASSERT_EQUAL(https_get(&s, "localhost", port, &resp, &e), SCEP_E_TLS_VERIFY);

    /* System store (no bundle): a self-signed certificate is not trusted. */
    s.cacert_bundle[0] = '\0';
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "not trusted"));
    CU_ASSERT_PTR_NULL(resp.body);

    /* A bundle holding only an unrelated CA. */
    EVP_PKEY *uk = EVP_EC_gen("P-256");
    X509 *u = tu_mkcert("Unrelated CA", uk, NULL, NULL, "critical,CA:TRUE", NULL);
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s/other.pem", dir);
    if ((f = fopen(s.cacert_bundle, "w")) != NULL) {
        PEM_write_X509(f, u);
        fclose(f);
    }
    X509_free(u);
    EVP_PKEY_free(uk);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);

    /* A missing bundle file. */
    snprintf(s.cacert_bundle, sizeof s.cacert_bundle, "%s/missing.pem", dir);
    CU_ASSERT_EQUAL(https_get(&s, "127.0.0.1", port, &resp, &e), SCEP_E_TLS_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.text, "CA bundle"));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    /* A plain-HTTP server spoken to with https: a handshake failure is a
     * communication error, not a trust verdict. */
    s.cacert_bundle[0] = '\0';
    CU_ASSERT_EQUAL(xchg(&sv, SRV_BLURT, CAPS_REPLY, 0, &s, "https://127.0.0.1:PORT/scep",
                         &CAPS_REQ, &resp, &e, NULL),
                    SCEP_E_TCP);
    tu_rmtree(dir);
    free(dir);
}

static int http_init(void)
{
    return scep_global_init() == SCEP_OK ? 0 : 1;
}

static int http_cleanup(void)
{
    scep_global_cleanup();
    scep_global_cleanup(); /* harmless twice */
    return 0;
}

static void test_http_global_init(void)
{
    /* Idempotent: the suite init already ran it. */
    CU_ASSERT_EQUAL(scep_global_init(), SCEP_OK);
    CU_ASSERT_EQUAL(scep_global_init(), SCEP_OK);
    CU_ASSERT_PTR_NOT_NULL(scep_libctx());
}

static const tu_case http_cases[] = {
    {"http: global init idempotent", test_http_global_init},
    {"http: GET GetCACaps", test_http_get_caps},
    {"http: GET PKIOperation message escaping", test_http_get_message},
    {"http: POST body and content type", test_http_post},
    {"http: 404, redirect, 500", test_http_status_errors},
    {"http: closed port", test_http_closed_port},
    {"http: timeout", test_http_timeout},
    {"http: response too large", test_http_too_large},
    {"http: cancel flag", test_http_cancel},
    {"http: non-http URL refused", test_http_bad_url},
    {"http: port override", test_http_port_override},
    {"http: proxy from config only", test_http_proxy},
    {"http: https verification", test_http_https},
    {NULL, NULL},
};

int main(void)
{
    return tu_run_fixture("http", http_cases, http_init, http_cleanup);
}

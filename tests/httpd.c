/*
 * httpd.c - a minimal HTTP/1.1 server side for the test servers (see httpd.h).
 */
#include "config.h"

#include "httpd.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void httpd_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int httpd_stopping(void)
{
    return stop_flag != 0;
}

/* clang-format off */
static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Fault Injected";
    }
}

/* clang-format on */

int httpd_send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void httpd_respond(int fd, int code, const char *ctype, const void *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, reason(code), ctype, len);
    httpd_send_all(fd, head, (size_t)n);
    if (len)
        httpd_send_all(fd, body, len);
}

void httpd_respond_text(int fd, int code, const char *text)
{
    httpd_respond(fd, code, "text/plain", text, strlen(text));
}

/* URL-decode in place ('+' stays '+': base64 never holds a space). */
static size_t url_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        int hi = *p == '%' ? OPENSSL_hexchar2int((unsigned char)p[1]) : -1;
        int lo = hi >= 0 ? OPENSSL_hexchar2int((unsigned char)p[2]) : -1;
        if (lo >= 0) {
            *o++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return (size_t)(o - s);
}

unsigned char *httpd_b64_decode(const char *s, size_t len, size_t *out)
{
    unsigned char *buf = malloc(len / 4 * 3 + 4);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int n1 = 0, n2 = 0;
    if (!buf || !ctx || len > INT_MAX)
        goto bad;
    EVP_DecodeInit(ctx);
    if (EVP_DecodeUpdate(ctx, buf, &n1, (const unsigned char *)s, (int)len) < 0 ||
        EVP_DecodeFinal(ctx, buf + n1, &n2) < 0)
        goto bad;
    EVP_ENCODE_CTX_free(ctx);
    *out = (size_t)(n1 + n2);
    return buf;
bad:
    EVP_ENCODE_CTX_free(ctx);
    free(buf);
    return NULL;
}

/* Query string: operation= and message=. */
static int parse_query(char *q, httpd_req *r)
{
    for (char *tok = strtok(q, "&"); tok; tok = strtok(NULL, "&")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq++ = 0;
        size_t n = url_decode(eq);
        if (strcmp(tok, "operation") == 0) {
            snprintf(r->operation, sizeof r->operation, "%s", eq);
        } else if (strcmp(tok, "message") == 0 && !r->msg) {
            r->msg = httpd_b64_decode(eq, n, &r->msg_len);
            if (!r->msg)
                return -1;
        }
    }
    return 0;
}

/* recv, EINTR retried unless a signal asked us to stop. */
static ssize_t recv_some(int fd, void *buf, size_t len)
{
    ssize_t n;

    do
        n = recv(fd, buf, len, 0);
    while (n < 0 && errno == EINTR && !stop_flag);
    return n;
}

int httpd_read_request(int fd, httpd_req *r)
{
    char *buf = malloc(HTTPD_MAX_HEADER + 1);
    size_t have = 0;
    char *end = NULL;
    int rc = 400;
    if (!buf)
        return 500;
    while (!end) {
        if (have == HTTPD_MAX_HEADER) {
            rc = 413;
            goto out;
        }
        ssize_t n = recv_some(fd, buf + have, HTTPD_MAX_HEADER - have);
        if (n <= 0)
            goto out;
        have += (size_t)n;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    *end = 0;
    char *body = end + 4;
    size_t body_have = have - (size_t)(body - buf);
    /* request line: METHOD SP target SP HTTP/1.x */
    char *sp1 = strchr(buf, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    char *eol = strstr(buf, "\r\n");
    if (!sp1 || !sp2 || (eol && eol < sp2) || (size_t)(sp1 - buf) >= sizeof r->method ||
        strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
        goto out;
    memcpy(r->method, buf, (size_t)(sp1 - buf));
    *sp2 = 0;
    char *target = sp1 + 1;
    long clen = 0;
    int expect = 0;
    for (char *h = eol; h; h = strstr(h + 2, "\r\n")) {
        if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
            clen = strtol(h + 17, NULL, 10);
        else if (strncasecmp(h + 2, "Expect:", 7) == 0)
            expect = 1; /* only 100-continue exists */
    }
    if (clen < 0 || clen > HTTPD_MAX_BODY) {
        rc = 413;
        goto out;
    }
    char *q = strchr(target, '?');
    if (q)
        *q++ = 0;
    if (strlen(target) >= sizeof r->path)
        goto out;
    memcpy(r->path, target, strlen(target) + 1);
    if (q && parse_query(q, r))
        goto out;
    if (strcmp(r->method, "POST") == 0) {
        free(r->msg);
        r->msg = malloc((size_t)clen + 1);
        if (!r->msg) {
            rc = 500;
            goto out;
        }
        size_t got = body_have < (size_t)clen ? body_have : (size_t)clen;
        memcpy(r->msg, body, got);
        if (expect && got < (size_t)clen)
            httpd_send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        while (got < (size_t)clen) {
            ssize_t n = recv_some(fd, r->msg + got, (size_t)clen - got);
            if (n <= 0)
                goto out;
            got += (size_t)n;
        }
        r->msg_len = (size_t)clen;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

int httpd_loopback_socket(unsigned short port, int backlog, unsigned short *bound)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        (backlog > 0 && listen(fd, backlog)) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        errno = err;
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

int httpd_serve(const char *name, unsigned short port, void (*handle)(void *ctx, int fd),
                void *ctx)
{
    unsigned short bound = 0;
    int lfd = httpd_loopback_socket(port, 16, &bound);

    if (lfd < 0) {
        char what[64];
        snprintf(what, sizeof what, "%s: listen", name);
        perror(what);
        return 1;
    }
    printf("PORT %u\n", (unsigned)bound);
    fflush(stdout);
    while (!stop_flag) {
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct timeval tv = {10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        handle(ctx, fd);
        close(fd);
        ERR_clear_error();
    }
    close(lfd);
    return 0;
}

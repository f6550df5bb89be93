/*
 * httpd.h - a minimal HTTP/1.1 server side for the test servers (faultsrv,
 * test_http): one request per connection on 127.0.0.1, SCEP's
 * "operation=...&message=<base64>" query or a POST body, bounded sizes
 * (1 MiB body, 16 KiB header). Test code only.
 */
#ifndef SCEP_HTTPD_H
#define SCEP_HTTPD_H

#include <stddef.h>

#define HTTPD_MAX_BODY   (1024 * 1024)
#define HTTPD_MAX_HEADER (16 * 1024)

typedef struct httpd_req {
    char method[8];
    char path[256];     /* without the query */
    char operation[64]; /* operation= */
    unsigned char *msg; /* POST body or the decoded message= (malloc'd) */
    size_t msg_len;
} httpd_req;

/* SIGTERM/SIGINT set the stop flag (httpd_stopping), SIGPIPE is ignored. */
void httpd_signals(void);
int httpd_stopping(void);

/* Send all of buf (EINTR retried); 0 or -1. */
int httpd_send_all(int fd, const void *buf, size_t len);
/* "HTTP/1.1 code reason", Content-Type, Content-Length, Connection: close, body. */
void httpd_respond(int fd, int code, const char *ctype, const void *body, size_t len);
void httpd_respond_text(int fd, int code, const char *text);

/* Base64 (line breaks allowed) of len bytes; malloc'd, NULL when invalid. */
unsigned char *httpd_b64_decode(const char *s, size_t len, size_t *out);

/* Read one request into r (zeroed by the caller; free r->msg after). Answers
 * "100 Continue" to an Expect header. Returns 0, or the HTTP status to answer
 * with (400, 413, 500). */
int httpd_read_request(int fd, httpd_req *r);

/* A TCP socket bound to 127.0.0.1:port (0 = any free port; SO_REUSEADDR),
 * listening when backlog > 0; *bound = the port. -1 on failure (errno set). */
int httpd_loopback_socket(unsigned short port, int backlog, unsigned short *bound);

/* Listen on 127.0.0.1:port, print "PORT <n>" on stdout (flushed), then accept
 * connections one at a time (10 s receive timeout) and call handle(ctx, fd)
 * for each until httpd_stopping(). 0, or 1 when it cannot listen (perror
 * with `name`). */
int httpd_serve(const char *name, unsigned short port, void (*handle)(void *ctx, int fd),
                void *ctx);

#endif /* SCEP_HTTPD_H */

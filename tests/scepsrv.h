/*
 * scepsrv.h - the server side of SCEP (RFC 8894) as a small test library.
 *
 * Written with raw OpenSSL only: it never calls libscep's message builders or
 * parsers, so a bug on the client side cannot be cancelled out by the same bug
 * here. Used in-process by the unit tests (test_pkimsg) and by the
 * fault-injecting HTTP server (faultsrv).
 *
 * Every CertRep is built fresh for the request it answers: a real signature
 * over the request's own transactionID and senderNonce; the fault flags then
 * damage exactly one property.
 *
 * Functions return 0 on success and -1 on failure with a reason in `err`
 * (which may be NULL).
 */
#ifndef SCEP_SCEPSRV_H
#define SCEP_SCEPSRV_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* The authenticated attributes of RFC 8894 3.2.1 (dotted OIDs: never through
 * NIDs registered by libscep). */
#define SCEPSRV_OID_MESSAGE_TYPE    "2.16.840.1.113733.1.9.2"
#define SCEPSRV_OID_PKI_STATUS      "2.16.840.1.113733.1.9.3"
#define SCEPSRV_OID_FAIL_INFO       "2.16.840.1.113733.1.9.4"
#define SCEPSRV_OID_SENDER_NONCE    "2.16.840.1.113733.1.9.5"
#define SCEPSRV_OID_RECIPIENT_NONCE "2.16.840.1.113733.1.9.6"
#define SCEPSRV_OID_TRANSACTION_ID  "2.16.840.1.113733.1.9.7"
#define SCEPSRV_OID_FAIL_INFO_TEXT  "1.3.6.1.5.5.7.24.1"

/* messageType / pkiStatus / failInfo numbers of RFC 8894 (kept separate from
 * libscep's enums on purpose). */
enum {
    SCEPSRV_CERTREP = 3,
    SCEPSRV_RENEWALREQ = 17,
    SCEPSRV_PKCSREQ = 19,
    SCEPSRV_CERTPOLL = 20,
    SCEPSRV_GETCERT = 21,
    SCEPSRV_GETCRL = 22
};
enum { SCEPSRV_SUCCESS = 0, SCEPSRV_FAILURE = 2, SCEPSRV_PENDING = 3 };
enum {
    SCEPSRV_BADALG = 0,
    SCEPSRV_BADMSGCHK = 1,
    SCEPSRV_BADREQ = 2,
    SCEPSRV_BADTIME = 3,
    SCEPSRV_BADCERTID = 4
};

typedef struct scepsrv_ca {
    EVP_PKEY *key; /* CA */
    X509 *cert;
    EVP_PKEY *enc_key; /* RA with keyEncipherment (NULL: no RA) */
    X509 *enc;
    EVP_PKEY *sig_key; /* RA with digitalSignature (NULL: no RA) */
    X509 *sig;
    EVP_PKEY *root_key; /* a root above the CA (NULL: the CA is self-signed) */
    X509 *root;
    long next_serial; /* serial of the next issued certificate */
    int valid_days;   /* validity of issued certificates (default 365) */
} scepsrv_ca;

/* New RSA key (default library context). NULL on failure. */
EVP_PKEY *scepsrv_rsa_key(unsigned bits);

/* CA key (bits, 2048 if 0) + self-signed certificate "CN=<cn>"; with_ra adds an
 * RA-enc and an RA-sign pair issued by the CA. */
int scepsrv_ca_init(scepsrv_ca *ca, const char *cn, unsigned bits, int with_ra, char *err,
                    size_t errlen);
/* Put a root above the CA: a new self-signed root "CN=<cn>" (RSA bits) issues the CA
 * certificate again (same key and subject); GetCACert then sends the chain
 * [CA, (RA-enc, RA-sign,) root]. Before any certificate is issued. */
int scepsrv_ca_add_root(scepsrv_ca *ca, const char *cn, unsigned bits, char *err,
                        size_t errlen);
void scepsrv_ca_free(scepsrv_ca *ca);
/* Save / load the CA (and RA) keys and certificates as PEM files in dir
 * (ca.pem, ra-enc.pem, ra-sign.pem; keys unencrypted: test material only). */
int scepsrv_ca_save(const scepsrv_ca *ca, const char *dir, char *err, size_t errlen);
int scepsrv_ca_load(scepsrv_ca *ca, const char *dir, char *err, size_t errlen);
/* Degenerate certs-only signed-data (no signers, no content) holding the n
 * certs, DER (OPENSSL_free). */
int scepsrv_degenerate(X509 *const *certs, int n, unsigned char **der, size_t *len);
/* The GetCACert answer: DER of the CA alone (no RA, no root), or a
 * degenerate PKCS#7 [CA, RA-enc, RA-sign] / [CA, root] / [CA, RA-enc,
 * RA-sign, root]. *content_type is static. Caller frees *der. */
int scepsrv_cacert(const scepsrv_ca *ca, unsigned char **der, size_t *len,
                   const char **content_type);

/* A decoded pkiMessage. */
typedef struct scepsrv_req {
    int type;                /* messageType */
    char tid[129];           /* transactionID (PrintableString) */
    unsigned char nonce[32]; /* senderNonce */
    size_t nonce_len;
    X509 *signer;           /* the signer certificate embedded in the request */
    char digest[64];        /* SignerInfo digest algorithm (short name) */
    char cipher[64];        /* envelope content-encryption algorithm (short name) */
    int decrypted;          /* 1 when the envelope was opened */
    X509_REQ *csr;          /* PKCSReq / RenewalReq */
    X509_NAME *poll_issuer; /* CertPoll IssuerAndSubject */
    X509_NAME *poll_subject;
} scepsrv_req;

/* Decode a pkiMessage as a server: verify the signature with the embedded
 * signer certificate, read messageType/transactionID/senderNonce, decrypt the
 * envelope with the RA-enc key (RA present) or the CA key, and parse the CSR or
 * IssuerAndSubject. Returns 0 when everything worked. Returns 1 when the
 * signature and attributes were fine but the envelope could not be opened or
 * its content parsed (req->decrypted == 0 or no csr/poll names): the caller
 * may still answer with a CertRep FAILURE. -1 otherwise. */
int scepsrv_decode(const scepsrv_ca *ca, const unsigned char *der, size_t len,
                   scepsrv_req *req, char *err, size_t errlen);
void scepsrv_req_clear(scepsrv_req *req);

/* Issue a certificate for pub with that subject (CSR subject copied by the
 * caller or use scepsrv_issue_csr), serial ca->next_serial++, validity
 * ca->valid_days (negative: already expired), KU digitalSignature +
 * keyEncipherment, signed by the CA with SHA-256. */
X509 *scepsrv_issue(scepsrv_ca *ca, const X509_NAME *subject, EVP_PKEY *pub);
X509 *scepsrv_issue_csr(scepsrv_ca *ca, X509_REQ *csr);

/* Fault flags of a CertRep. */
enum {
    SCEPSRV_F_BAD_NONCE = 1u << 0,      /* recipientNonce != request senderNonce */
    SCEPSRV_F_BAD_TID = 1u << 1,        /* transactionID changed */
    SCEPSRV_F_SIG_FLIP = 1u << 2,       /* flip a byte of the signature value */
    SCEPSRV_F_SIG_OTHERKEY = 1u << 3,   /* sign with another key, show the real cert */
    SCEPSRV_F_GARBAGE = 1u << 4,        /* signed content is random bytes, no envelope */
    SCEPSRV_F_NO_CA = 1u << 5,          /* SUCCESS: only the issued cert in the reply */
    SCEPSRV_F_NO_SIGNER_CERT = 1u << 6, /* do not embed the signer certificate */
    SCEPSRV_F_SAME_NONCE = 1u << 7,     /* senderNonce = request's (as Debian scepserver) */
};

typedef struct scepsrv_reply {
    int status;            /* SCEPSRV_SUCCESS / FAILURE / PENDING */
    int fail_info;         /* FAILURE: 0..4, -1 = leave the attribute out */
    const char *fail_text; /* FAILURE: failInfoText, NULL = none */
    X509 *issued;          /* SUCCESS: the certificate (not consumed) */
    const char *cipher;    /* envelope cipher, NULL = "AES-128-CBC" ("DES-CBC" ...) */
    const char *digest;    /* signature digest, NULL = "SHA256" */
    unsigned flags;        /* SCEPSRV_F_* */
    X509 *sign_cert;       /* NULL: RA-sign if present, else the CA */
    EVP_PKEY *sign_key;
    X509 *recipient; /* NULL: the request's signer certificate */
    /* SUCCESS: the envelope holds these octets instead of the degenerate
     * PKCS#7 [issued, CA] (fuzz_envelope; issued may then be NULL) */
    const unsigned char *content;
    size_t content_len;
} scepsrv_reply;

/* Build the DER CertRep answering req. Caller frees *der (OPENSSL_free). */
int scepsrv_certrep(const scepsrv_ca *ca, const scepsrv_req *req, const scepsrv_reply *rep,
                    unsigned char **der, size_t *len, char *err, size_t errlen);

/* The answer to a GetCACaps (caps) or GetCACert (scepsrv_cacert): 1 with a
 * malloc'd body and its content type, 0 for another operation, -1 on error. */
int scepsrv_get_answer(const scepsrv_ca *ca, const char *caps, const char *operation,
                       unsigned char **body, size_t *len, char *ctype, size_t ctlen);

/* Private library context with the default and legacy providers (DES-CBC);
 * created on first use, freed by scepsrv_cleanup(). */
OSSL_LIB_CTX *scepsrv_libctx(void);
void scepsrv_cleanup(void);

#endif /* SCEP_SCEPSRV_H */

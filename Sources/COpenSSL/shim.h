// System OpenSSL for PKCS#7 verification of EC2 identity documents. OpenSSL 3 defines the
// stack and BIO accessors below as macros, which Swift cannot call; these inline wrappers can.
#ifndef JOINERY_COPENSSL_SHIM_H
#define JOINERY_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/crypto.h>

static inline STACK_OF(X509) *joinery_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int joinery_sk_X509_push(STACK_OF(X509) *stack, X509 *certificate) { return sk_X509_push(stack, certificate); }
static inline void joinery_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
static inline long joinery_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

// PKCS7_type_is_signed / PKCS7_type_is_data are macros over the PKCS7 union; these read the
// embedded content of a SignedData without verifying it (the EC2 verifier peeks the region
// there to choose the certificate, then verifies before trusting anything).
static inline int joinery_PKCS7_is_signed_data(const PKCS7 *p7) { return p7 != NULL && PKCS7_type_is_signed(p7); }
static inline int joinery_PKCS7_signed_content(const PKCS7 *p7, const unsigned char **data, int *length) {
    if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL) return 0;
    const PKCS7 *inner = p7->d.sign->contents;
    if (inner == NULL || !PKCS7_type_is_data(inner) || inner->d.data == NULL) return 0;
    *data = ASN1_STRING_get0_data(inner->d.data);
    *length = ASN1_STRING_length(inner->d.data);
    return 1;
}

// For chain verification (the azure join method): the signers OpenSSL found, and the
// certificates a SignedData embeds, read without verifying anything.
static inline int joinery_sk_X509_num(const STACK_OF(X509) *stack) { return stack == NULL ? 0 : sk_X509_num(stack); }
static inline X509 *joinery_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }
static inline void joinery_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
static inline STACK_OF(X509) *joinery_PKCS7_embedded_certificates(const PKCS7 *p7) {
    if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL) return NULL;
    return p7->d.sign->cert;
}

#endif

// The joining side of the `tpm` join method over tpm2-tss ESYS (see joinery_tpm.h).
//
// The endorsement key is the persistent 0x81010001 when the TPM has one, else a transient
// primary made from the TCG default RSA-2048 EK template (the same key every time). The
// attestation key is a restricted RSASSA-SHA256 signing key created under a storage root key
// (the persistent 0x81000001, else a transient one flushed once the AK is loaded), as
// go-attestation makes it. Nothing is ever persisted; everything transient this handle made
// is flushed on close, on every path: a TPM without a resource manager (swtpm) has only three
// object slots, and keeps what a client forgets.
#include "joinery_tpm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define NV_EK_CERT_RSA 0x01c00002
#define PERSISTENT_EK_RSA 0x81010001
#define PERSISTENT_SRK 0x81000001

struct joinery_tpm {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    ESYS_TR ek;
    int ek_transient;
    ESYS_TR ak;
};

static int fail(char *error, size_t length, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, length, format, arguments);
    va_end(arguments);
    return -1;
}

static int fail_rc(char *error, size_t length, const char *what, TSS2_RC rc) {
    return fail(error, length, "%s failed: 0x%08x %s", what, (unsigned)rc, Tss2_RC_Decode(rc));
}

// --- the EK public key as PKIX DER -----------------------------------------------------------

static size_t der_length(uint8_t *out, size_t length) {
    if (length < 0x80) { out[0] = (uint8_t)length; return 1; }
    if (length < 0x100) { out[0] = 0x81; out[1] = (uint8_t)length; return 2; }
    out[0] = 0x82; out[1] = (uint8_t)(length >> 8); out[2] = (uint8_t)length; return 3;
}

static size_t der_element(uint8_t *out, uint8_t tag, const uint8_t *value, size_t length) {
    size_t n = 0;
    out[n++] = tag;
    n += der_length(out + n, length);
    memmove(out + n, value, length);
    return n + length;
}

static size_t der_unsigned(uint8_t *out, const uint8_t *big_endian, size_t length) {
    while (length > 1 && big_endian[0] == 0) { big_endian++; length--; }
    uint8_t value[520];
    size_t n = 0;
    if (big_endian[0] & 0x80) value[n++] = 0;
    memcpy(value + n, big_endian, length);
    return der_element(out, 0x02, value, n + length);
}

// SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { SEQUENCE { n, e } } }
static size_t rsa_public_key_der(uint8_t *out, const TPM2B_PUBLIC_KEY_RSA *modulus, UINT32 exponent) {
    static const uint8_t algorithm[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    uint8_t integers[600], key[600], bits[600], body[700];
    uint32_t e = exponent ? exponent : 65537;
    uint8_t e_bytes[4] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
    size_t n = der_unsigned(integers, modulus->buffer, modulus->size);
    n += der_unsigned(integers + n, e_bytes, 4);
    size_t key_length = der_element(key, 0x30, integers, n);
    bits[0] = 0;
    memcpy(bits + 1, key, key_length);
    memcpy(body, algorithm, sizeof algorithm);
    size_t body_length = sizeof algorithm + der_element(body + sizeof algorithm, 0x03, bits, key_length + 1);
    return der_element(out, 0x30, body, body_length);
}

// --- templates -------------------------------------------------------------------------------

// The TCG EK Credential Profile's default RSA-2048 EK template (L-1).
static const TPM2B_PUBLIC EK_TEMPLATE = {
    .publicArea = {
        .type = TPM2_ALG_RSA,
        .nameAlg = TPM2_ALG_SHA256,
        .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                            TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
        .authPolicy = {
            .size = 32,
            .buffer = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
                       0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA},
        },
        .parameters.rsaDetail = {
            .symmetric = {.algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB},
            .scheme = {.scheme = TPM2_ALG_NULL},
            .keyBits = 2048,
            .exponent = 0,
        },
        .unique.rsa = {.size = 256},
    },
};

static const TPM2B_PUBLIC SRK_TEMPLATE = {
    .publicArea = {
        .type = TPM2_ALG_RSA,
        .nameAlg = TPM2_ALG_SHA256,
        .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                            TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
        .parameters.rsaDetail = {
            .symmetric = {.algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB},
            .scheme = {.scheme = TPM2_ALG_NULL},
            .keyBits = 2048,
            .exponent = 0,
        },
        .unique.rsa = {.size = 256},
    },
};

static const TPM2B_PUBLIC AK_TEMPLATE = {
    .publicArea = {
        .type = TPM2_ALG_RSA,
        .nameAlg = TPM2_ALG_SHA256,
        .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                            TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
                            TPMA_OBJECT_SIGN_ENCRYPT,
        .parameters.rsaDetail = {
            .symmetric = {.algorithm = TPM2_ALG_NULL},
            .scheme = {.scheme = TPM2_ALG_RSASSA, .details.rsassa.hashAlg = TPM2_ALG_SHA256},
            .keyBits = 2048,
            .exponent = 0,
        },
        .unique.rsa = {.size = 0},
    },
};

// --- the EK certificate ----------------------------------------------------------------------

// Reads the whole NV index in chunks the TPM accepts (TPM2_PT_NV_BUFFER_MAX).
static TSS2_RC read_nv(ESYS_CONTEXT *esys, TPM2_HANDLE index, uint8_t **out, size_t *out_length) {
    ESYS_TR nv = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *public = NULL;
    TPMS_CAPABILITY_DATA *capability = NULL;
    TPM2B_MAX_NV_BUFFER *chunk = NULL;
    uint8_t *buffer = NULL;
    TSS2_RC rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
    if (rc != TSS2_RC_SUCCESS) return rc;
    rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &public, NULL);
    if (rc != TSS2_RC_SUCCESS) goto done;
    UINT16 size = public->nvPublic.dataSize;
    UINT32 maximum = 512;
    TPMI_YES_NO more;
    if (Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
                           TPM2_PT_NV_BUFFER_MAX, 1, &more, &capability) == TSS2_RC_SUCCESS &&
        capability->data.tpmProperties.count == 1 &&
        capability->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX) {
        maximum = capability->data.tpmProperties.tpmProperty[0].value;
    }
    if (maximum > TPM2_MAX_NV_BUFFER_SIZE) maximum = TPM2_MAX_NV_BUFFER_SIZE;
    buffer = malloc(size ? size : 1);
    if (buffer == NULL) { rc = TSS2_ESYS_RC_MEMORY; goto done; }
    for (UINT16 offset = 0; offset < size;) {
        UINT32 remaining = (UINT32)(size - offset);
        UINT16 want = (UINT16)(remaining < maximum ? remaining : maximum);
        // The index authorizes its own reads (TPMA_NV_AUTHREAD, empty auth).
        rc = Esys_NV_Read(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, want, offset, &chunk);
        if (rc != TSS2_RC_SUCCESS) goto done;
        if (chunk->size == 0 || chunk->size > remaining) { rc = TSS2_ESYS_RC_MALFORMED_RESPONSE; goto done; }
        memcpy(buffer + offset, chunk->buffer, chunk->size);
        offset = (UINT16)(offset + chunk->size);
        Esys_Free(chunk);
        chunk = NULL;
    }
    *out = buffer;
    *out_length = size;
    buffer = NULL;
done:
    Esys_Free(public);
    Esys_Free(capability);
    Esys_Free(chunk);
    free(buffer);
    Esys_TR_Close(esys, &nv);
    return rc;
}

// --- the calls -------------------------------------------------------------------------------

int joinery_tpm_open(const char *tcti, joinery_tpm **out, char *error, size_t error_length) {
    joinery_tpm *tpm = calloc(1, sizeof *tpm);
    if (tpm == NULL) return fail(error, error_length, "out of memory");
    tpm->ek = ESYS_TR_NONE;
    tpm->ak = ESYS_TR_NONE;
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &tpm->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        free(tpm);
        return fail(error, error_length, "cannot open the TPM at %s: 0x%08x %s", tcti, (unsigned)rc, Tss2_RC_Decode(rc));
    }
    rc = Esys_Initialize(&tpm->esys, tpm->tcti, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        joinery_tpm_close(tpm);
        return fail_rc(error, error_length, "Esys_Initialize", rc);
    }
    rc = Esys_Startup(tpm->esys, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) {
        joinery_tpm_close(tpm);
        return fail_rc(error, error_length, "TPM2_Startup", rc);
    }
    *out = tpm;
    return 0;
}

int joinery_tpm_identify(joinery_tpm *tpm, joinery_tpm_identity *identity, char *error, size_t error_length) {
    memset(identity, 0, sizeof *identity);
    ESYS_CONTEXT *esys = tpm->esys;
    TPM2B_PUBLIC *ek_public = NULL, *ak_public = NULL;
    TPM2B_PRIVATE *ak_private = NULL;
    ESYS_TR srk = ESYS_TR_NONE;
    int srk_transient = 0, result = -1;
    TPM2B_SENSITIVE_CREATE sensitive = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION pcrs = {0};
    TSS2_RC rc;

    // An EK certificate is optional (a missing index is no error).
    if (read_nv(esys, NV_EK_CERT_RSA, &identity->ek_certificate, &identity->ek_certificate_length) != TSS2_RC_SUCCESS) {
        identity->ek_certificate = NULL;
        identity->ek_certificate_length = 0;
    }

    if (tpm->ek == ESYS_TR_NONE) {
        rc = Esys_TR_FromTPMPublic(esys, PERSISTENT_EK_RSA, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tpm->ek);
        if (rc == TSS2_RC_SUCCESS) {
            tpm->ek_transient = 0;
        } else {
            tpm->ek = ESYS_TR_NONE;
            rc = Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                    &EK_TEMPLATE, &outside, &pcrs, &tpm->ek, NULL, NULL, NULL, NULL);
            if (rc != TSS2_RC_SUCCESS) { tpm->ek = ESYS_TR_NONE; fail_rc(error, error_length, "creating the EK", rc); goto out; }
            tpm->ek_transient = 1;
        }
    }
    rc = Esys_ReadPublic(esys, tpm->ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek_public, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) { fail_rc(error, error_length, "reading the EK", rc); goto out; }
    if (ek_public->publicArea.type != TPM2_ALG_RSA) { fail(error, error_length, "the EK is not an RSA key"); goto out; }
    {
        uint8_t der[800];
        size_t length = rsa_public_key_der(der, &ek_public->publicArea.unique.rsa, ek_public->publicArea.parameters.rsaDetail.exponent);
        identity->ek_public_key = malloc(length);
        if (identity->ek_public_key == NULL) { fail(error, error_length, "out of memory"); goto out; }
        memcpy(identity->ek_public_key, der, length);
        identity->ek_public_key_length = length;
    }

    rc = Esys_TR_FromTPMPublic(esys, PERSISTENT_SRK, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &srk);
    if (rc != TSS2_RC_SUCCESS) {
        srk = ESYS_TR_NONE;
        rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                &SRK_TEMPLATE, &outside, &pcrs, &srk, NULL, NULL, NULL, NULL);
        if (rc != TSS2_RC_SUCCESS) { srk = ESYS_TR_NONE; fail_rc(error, error_length, "creating the storage root key", rc); goto out; }
        srk_transient = 1;
    }
    rc = Esys_Create(esys, srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &AK_TEMPLATE, &outside, &pcrs,
                     &ak_private, &ak_public, NULL, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) { fail_rc(error, error_length, "creating the attestation key", rc); goto out; }
    if (tpm->ak != ESYS_TR_NONE) { Esys_FlushContext(esys, tpm->ak); tpm->ak = ESYS_TR_NONE; }
    rc = Esys_Load(esys, srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, ak_private, ak_public, &tpm->ak);
    if (rc != TSS2_RC_SUCCESS) { tpm->ak = ESYS_TR_NONE; fail_rc(error, error_length, "loading the attestation key", rc); goto out; }
    {
        uint8_t buffer[sizeof(TPMT_PUBLIC)];
        size_t offset = 0;
        rc = Tss2_MU_TPMT_PUBLIC_Marshal(&ak_public->publicArea, buffer, sizeof buffer, &offset);
        if (rc != TSS2_RC_SUCCESS) { fail_rc(error, error_length, "encoding the attestation key", rc); goto out; }
        identity->ak_public = malloc(offset);
        if (identity->ak_public == NULL) { fail(error, error_length, "out of memory"); goto out; }
        memcpy(identity->ak_public, buffer, offset);
        identity->ak_public_length = offset;
    }
    result = 0;
out:
    if (srk_transient) Esys_FlushContext(esys, srk);
    else if (srk != ESYS_TR_NONE) Esys_TR_Close(esys, &srk);
    Esys_Free(ek_public);
    Esys_Free(ak_public);
    Esys_Free(ak_private);
    if (result != 0) joinery_tpm_identity_free(identity);
    return result;
}

int joinery_tpm_activate(joinery_tpm *tpm, const uint8_t *blob, size_t blob_length, const uint8_t *secret,
                         size_t secret_length, uint8_t *credential, size_t *length, char *error, size_t error_length) {
    if (tpm->ak == ESYS_TR_NONE || tpm->ek == ESYS_TR_NONE) return fail(error, error_length, "no attestation key: identify first");
    TPM2B_ID_OBJECT credential_blob = {0};
    TPM2B_ENCRYPTED_SECRET encrypted_secret = {0};
    size_t offset = 0;
    TSS2_RC rc = Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(blob, blob_length, &offset, &credential_blob);
    if (rc != TSS2_RC_SUCCESS || offset != blob_length) return fail(error, error_length, "the credential blob is not a TPM2B_ID_OBJECT");
    offset = 0;
    rc = Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(secret, secret_length, &offset, &encrypted_secret);
    if (rc != TSS2_RC_SUCCESS || offset != secret_length) return fail(error, error_length, "the secret is not a TPM2B_ENCRYPTED_SECRET");

    ESYS_TR session = ESYS_TR_NONE;
    TPM2B_DIGEST *info = NULL;
    int result = -1;
    // The EK's policy is PolicySecret(TPM_RH_ENDORSEMENT), satisfied in a policy session.
    TPMT_SYM_DEF symmetric = {.algorithm = TPM2_ALG_NULL};
    rc = Esys_StartAuthSession(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
                               TPM2_SE_POLICY, &symmetric, TPM2_ALG_SHA256, &session);
    if (rc != TSS2_RC_SUCCESS) { session = ESYS_TR_NONE; fail_rc(error, error_length, "starting a policy session", rc); goto out; }
    rc = Esys_PolicySecret(tpm->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           NULL, NULL, NULL, 0, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) { fail_rc(error, error_length, "PolicySecret(endorsement)", rc); goto out; }
    rc = Esys_ActivateCredential(tpm->esys, tpm->ak, tpm->ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE,
                                 &credential_blob, &encrypted_secret, &info);
    if (rc != TSS2_RC_SUCCESS) {
        fail(error, error_length, "the TPM refused to activate the credential (it was not made for this TPM's keys): 0x%08x %s",
             (unsigned)rc, Tss2_RC_Decode(rc));
        goto out;
    }
    if (info->size > *length) { fail(error, error_length, "the credential is larger than expected"); goto out; }
    memcpy(credential, info->buffer, info->size);
    *length = info->size;
    result = 0;
out:
    // Policy sessions start with continueSession set: the TPM keeps them until flushed.
    if (session != ESYS_TR_NONE) Esys_FlushContext(tpm->esys, session);
    Esys_Free(info);
    return result;
}

void joinery_tpm_identity_free(joinery_tpm_identity *identity) {
    free(identity->ek_certificate);
    free(identity->ek_public_key);
    free(identity->ak_public);
    memset(identity, 0, sizeof *identity);
}

void joinery_tpm_close(joinery_tpm *tpm) {
    if (tpm == NULL) return;
    if (tpm->esys != NULL) {
        if (tpm->ak != ESYS_TR_NONE) Esys_FlushContext(tpm->esys, tpm->ak);
        if (tpm->ek != ESYS_TR_NONE) {
            if (tpm->ek_transient) Esys_FlushContext(tpm->esys, tpm->ek);
            else Esys_TR_Close(tpm->esys, &tpm->ek);
        }
        Esys_Finalize(&tpm->esys);
    }
    if (tpm->tcti != NULL) Tss2_TctiLdr_Finalize(&tpm->tcti);
    free(tpm);
}

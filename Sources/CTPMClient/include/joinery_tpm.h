// The joining side of the `tpm` join method, over the TCG software stack (tpm2-tss ESYS):
// open a TPM through a TCTI, read its endorsement key (and certificate), create an
// attestation key, and later activate the credential the Auth server made for the two.
// One handle serves one join; close it to flush what it loaded into the TPM.
#ifndef JOINERY_TPM_H
#define JOINERY_TPM_H

#include <stddef.h>
#include <stdint.h>

typedef struct joinery_tpm joinery_tpm;

/// What the TPM says of itself. Buffers are malloc'd; free them with joinery_tpm_identity_free.
typedef struct {
    /// The EK certificate as stored in NV index 0x01c00002 (DER, possibly with a TCG header);
    /// NULL when the TPM holds none.
    uint8_t *ek_certificate;
    size_t ek_certificate_length;
    /// The EK's public key, PKIX SubjectPublicKeyInfo DER.
    uint8_t *ek_public_key;
    size_t ek_public_key_length;
    /// The attestation key's TPMT_PUBLIC, marshaled (its name is nameAlg || SHA-256 of these bytes).
    uint8_t *ak_public;
    size_t ak_public_length;
} joinery_tpm_identity;

/// Opens the TPM `tcti` names ("device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321").
/// Returns 0, or -1 with a message in `error`.
int joinery_tpm_open(const char *tcti, joinery_tpm **tpm, char *error, size_t error_length);

/// Reads the EK (and its certificate) and creates the attestation key, which stays loaded.
int joinery_tpm_identify(joinery_tpm *tpm, joinery_tpm_identity *identity, char *error, size_t error_length);

/// TPM2_ActivateCredential with the attestation key and the EK: `blob` is a TPM2B_ID_OBJECT and
/// `secret` a TPM2B_ENCRYPTED_SECRET, both with their size prefix. Writes the credential
/// (at most `*length` bytes) and sets `*length`.
int joinery_tpm_activate(joinery_tpm *tpm, const uint8_t *blob, size_t blob_length, const uint8_t *secret,
                         size_t secret_length, uint8_t *credential, size_t *length, char *error, size_t error_length);

void joinery_tpm_identity_free(joinery_tpm_identity *identity);

/// Flushes what the handle loaded into the TPM and closes it.
void joinery_tpm_close(joinery_tpm *tpm);

#endif

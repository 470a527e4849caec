import CTPMClient
import Foundation
import JoinCore
import Synchronization

/// One open TPM for one join (the C client over tpm2-tss, `Sources/CTPMClient`): identify, then
/// activate. Closing flushes the attestation key and anything transient it made; it is closed
/// when the join is done with it or, at the latest, when the last reference goes.
final class TPMDevice: Sendable {
    struct Identity: Sendable {
        var ekCertificate: Data?
        var ekPublicKey: Data
        var akPublic: Data
    }

    private let handle: Mutex<OpaquePointer?>
    let tcti: String

    init(tcti: String) throws {
        var opened: OpaquePointer?
        var error = [CChar](repeating: 0, count: 512)
        guard joinery_tpm_open(tcti, &opened, &error, error.count) == 0, let opened else {
            throw JoinError.unavailable("tpm: \(Self.text(error)) (set TPM2TOOLS_TCTI to the TPM's TCTI, e.g. device:/dev/tpmrm0)")
        }
        handle = Mutex(opened)
        self.tcti = tcti
    }

    deinit { close() }

    /// The C client's NUL-terminated message.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func identify() throws -> Identity {
        try handle.withLock { tpm in
            guard let tpm else { throw JoinError.internalError("tpm: the TPM was already closed") }
            var identity = joinery_tpm_identity()
            var error = [CChar](repeating: 0, count: 512)
            guard joinery_tpm_identify(tpm, &identity, &error, error.count) == 0 else {
                throw JoinError.unavailable("tpm: \(Self.text(error))")
            }
            defer { joinery_tpm_identity_free(&identity) }
            func bytes(_ pointer: UnsafeMutablePointer<UInt8>?, _ count: Int) -> Data? {
                pointer.map { Data(bytes: $0, count: count) }
            }
            guard let ekPublicKey = bytes(identity.ek_public_key, identity.ek_public_key_length),
                  let akPublic = bytes(identity.ak_public, identity.ak_public_length) else {
                throw JoinError.internalError("tpm: the TPM client returned no keys")
            }
            return Identity(ekCertificate: bytes(identity.ek_certificate, identity.ek_certificate_length),
                            ekPublicKey: ekPublicKey, akPublic: akPublic)
        }
    }

    func activate(credentialBlob: Data, secret: Data) throws -> Data {
        try handle.withLock { tpm in
            guard let tpm else { throw JoinError.internalError("tpm: the TPM was already closed") }
            var credential = [UInt8](repeating: 0, count: 64)
            var length = credential.count
            var error = [CChar](repeating: 0, count: 512)
            let blob = [UInt8](credentialBlob), encrypted = [UInt8](secret)
            guard joinery_tpm_activate(tpm, blob, blob.count, encrypted, encrypted.count, &credential, &length, &error, error.count) == 0 else {
                throw JoinError.accessDenied("tpm: \(Self.text(error))")
            }
            return Data(credential.prefix(length))
        }
    }

    func close() {
        handle.withLock { tpm in
            if let open = tpm { joinery_tpm_close(open) }
            tpm = nil
        }
    }
}

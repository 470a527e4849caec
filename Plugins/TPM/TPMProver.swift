import Foundation
import JoinCore
import Synchronization

/// The `tpm` method, client half: opens the TPM (`TPM2TOOLS_TCTI` names it, as for the TCG
/// tools; else `device:/dev/tpmrm0`, the kernel's resource manager), sends its EK and a new
/// attestation key, activates the credential the Auth server sends, and answers with the
/// HMAC of this join's key binding under it (``TPMMessages``). The TPM is closed when the join
/// finishes, or with the prover.
public struct TPMProver: JoinProver {
    public let name = TPMJoinMethod.methodName
    static let tctiVariable = "TPM2TOOLS_TCTI"
    static let defaultTCTI = "device:/dev/tpmrm0"

    let tcti: String
    private let device = DeviceBox()

    public init(context: ProverContext) {
        tcti = context.environment[Self.tctiVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultTCTI
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        let opened = try TPMDevice(tcti: tcti)
        device.set(opened)
        let identity = try opened.identify()
        return try JSONEncoder().encode(TPMMessages.Init(ekCert: identity.ekCertificate,
                                                         ekKey: identity.ekCertificate == nil ? identity.ekPublicKey : nil,
                                                         akPublic: identity.akPublic))
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        guard let opened = device.get() else { throw JoinError.internalError("tpm: no TPM is open for this join") }
        guard let keyBinding = request.keyBinding else {
            throw JoinError.internalError("tpm: no key binding: the proof must be bound to the keys this join certifies")
        }
        let message = try TPMMessages.decode(TPMMessages.Challenge.self, from: challenge, what: "challenge")
        let credential = try opened.activate(credentialBlob: message.credentialBlob, secret: message.secret)
        return try JSONEncoder().encode(TPMMessages.Solution(solution: TPMMessages.solution(credential: credential, keyBinding: keyBinding)))
    }

    public func finish(methodResult: Data, for request: ProofRequest) async throws {
        device.get()?.close()
    }

    /// The device opened for this join, shared by its rounds.
    private final class DeviceBox: Sendable {
        private let value = Mutex<TPMDevice?>(nil)
        func get() -> TPMDevice? { value.withLock { $0 } }
        func set(_ device: TPMDevice) { value.withLock { $0 = device } }
    }
}

import Crypto
import Foundation
import JoinCore
import JoineryProto
import Server
import Synchronization

/// A join stream with no network: the test queues the client's messages up front and reads
/// back what the server sent.
final class InMemoryJoinStream: JoinStream {
    private let requests: Mutex<[Joinery_V1_JoinRequest]>
    private let responses = Mutex<[Joinery_V1_JoinResponse]>([])

    init(_ requests: [Joinery_V1_JoinRequest]) {
        self.requests = Mutex(requests)
    }

    func receive() async throws -> Joinery_V1_JoinRequest? {
        requests.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func send(_ response: Joinery_V1_JoinResponse) async throws {
        responses.withLock { $0.append(response) }
    }

    var sent: [Joinery_V1_JoinResponse] { responses.withLock { $0 } }

    var result: Joinery_V1_JoinResult? {
        sent.compactMap { if case .result(let r)? = $0.payload { r } else { nil } }.first
    }

    /// A well-formed ClientInit for a host (or a bot, with `role: .bot`).
    static func clientInit(token: String, role: SystemRole = .node, method: String = "", nodeName: String = "node-1",
                           payload: Data = Data()) -> Joinery_V1_JoinRequest {
        let keys = Joinery_V1_PublicKeys.with {
            $0.publicTlsKey = P256.Signing.PrivateKey().publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
        }
        return .with {
            $0.clientInit = .with {
                $0.tokenName = token
                $0.joinMethod = method
                $0.systemRole = role.rawValue
                $0.methodPayload = payload
                if role == .bot {
                    $0.botParams = .with { $0.publicKeys = keys }
                } else {
                    $0.hostParams = .with {
                        $0.publicKeys = keys
                        $0.hostName = nodeName
                    }
                }
            }
        }
    }
}

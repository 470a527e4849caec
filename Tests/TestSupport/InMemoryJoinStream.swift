import Crypto
import Foundation
import JoinCore
import JoineryProto
import Server
import Synchronization

/// A join stream with no network, for driving the Auth server's pipeline directly: the test
/// queues the client's messages up front, optionally answers each challenge as it is sent,
/// and reads back what the server sent.
public final class InMemoryJoinStream: JoinStream {
    private let requests: Mutex<[Joinery_V1_JoinRequest]>
    private let responses = Mutex<[Joinery_V1_JoinResponse]>([])
    private let answer: (@Sendable (Data) async throws -> Data)?

    /// - Parameter answer: produces the solution to each challenge; without it a challenge
    ///   gets no reply and the server sees the client close the stream.
    public init(_ requests: [Joinery_V1_JoinRequest], answer: (@Sendable (Data) async throws -> Data)? = nil) {
        self.requests = Mutex(requests)
        self.answer = answer
    }

    public func receive() async throws -> Joinery_V1_JoinRequest? {
        requests.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    public func send(_ response: Joinery_V1_JoinResponse) async throws {
        responses.withLock { $0.append(response) }
        if let answer, case .challenge(let challenge)? = response.payload {
            let solution = try await answer(challenge.payload)
            requests.withLock { $0.append(.with { $0.solution = .with { $0.payload = solution } }) }
        }
    }

    public var sent: [Joinery_V1_JoinResponse] { responses.withLock { $0 } }

    public var result: Joinery_V1_JoinResult? {
        sent.compactMap { if case .result(let r)? = $0.payload { r } else { nil } }.first
    }

    /// A well-formed ClientInit for a host (or a bot, with `role: .bot`) with `keys`, fresh ones
    /// by default (a prover answering challenges needs their ``JoinTestKeys/binding``).
    /// - Parameter systemRoles: the roles the host says it will run (`HostParams.system_roles`).
    public static func clientInit(token: String, role: SystemRole = .node, method: String = "", nodeName: String = "node-1",
                                  payload: Data = Data(), keys testKeys: JoinTestKeys = JoinTestKeys(),
                                  systemRoles: [SystemRole] = []) -> Joinery_V1_JoinRequest {
        let keys = testKeys.publicKeys
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
                        $0.systemRoles = systemRoles.map(\.rawValue)
                    }
                }
            }
        }
    }
}

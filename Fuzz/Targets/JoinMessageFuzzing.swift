import Foundation
import JoinCore
import JoineryProto
import Server
import SwiftProtobuf

/// The first bytes the Auth server reads from anyone: a `JoinRequest` message off the join
/// stream, then the checked `ClientInit` (``Server/JoinRequest``), then the method payload or
/// solution it carries, handed to the method that would read it.
enum JoinMessageFuzzing {
    static let request = FuzzTarget(
        "join-request", maximumLength: 16 * 1024, detectsLeaks: false, setUp: { _ = BoundKeypairFuzzing.tokens; _ = EC2Fuzzing.verifier }
    ) { bytes in
        guard let message = try? Joinery_V1_JoinRequest(serializedBytes: bytes) else { return }
        switch message.payload {
        case .clientInit(let clientInit)?:
            // What the pipeline logs before the request is checked.
            _ = SafeName.mask(clientInit.tokenName)
            _ = UntrustedString.sanitize(clientInit.systemRole)
            _ = UntrustedString.sanitize(clientInit.joinMethod)
            guard (try? JoinRequest(clientInit)) != nil else { return }
            switch clientInit.joinMethod {
            case "ec2": EC2Fuzzing.verify(clientInit.methodPayload)
            case "bound_keypair": BoundKeypairFuzzing.attest(scenario: 0, initialPayload: clientInit.methodPayload, answers: [])
            default: break
            }
        case .solution(let solution)?:
            IAMFuzzing.check(Array(solution.payload))
            BoundKeypairFuzzing.attest(scenario: 0, initialPayload: Data(), answers: [Array(solution.payload)])
        case .givingUp(let givingUp)?:
            _ = UntrustedString.sanitize(givingUp.reason)
        case nil:
            break
        }
    }
}

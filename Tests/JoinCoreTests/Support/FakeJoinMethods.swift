import Foundation
import JoinCore

/// Test-only join methods: just enough behaviour to see that the registry and method set
/// dispatch to the right method and pass its errors and defaults through.

/// An `ec2`-like method: requires allow rules and defaults `aws_iid_ttl` to five minutes.
struct AllowRuleMethod: JoinMethod {
    let name = "ec2"
    var tokenSpecSections: Set<String> { ["allow", "aws_iid_ttl"] }
    var impliedBySections: Set<String> { ["allow"] }

    func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        guard token.spec.methodSections["allow"] != nil else {
            throw JoinError.badParameter("the ec2 join method requires defined allow rules")
        }
        var token = token
        if token.spec.methodSections["aws_iid_ttl"] == nil { token.spec.methodSections["aws_iid_ttl"] = .string("5m0s") }
        return token
    }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        throw JoinError.notImplemented("test method")
    }
}

/// A `token`-like method: owns no section and accepts the token unchanged.
struct PlainTokenMethod: JoinMethod {
    let name = "token"

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        Attestation()
    }
}

/// A method that owns a `spec` section (like `bound_keypair`) and requires it.
struct SectionOwningMethod: JoinMethod {
    let name = "bound_keypair"
    var tokenSpecSections: Set<String> { ["bound_keypair"] }

    func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        guard token.spec.methodSections["bound_keypair"] != nil else {
            throw JoinError.badParameter("spec.bound_keypair: field is required")
        }
        return token
    }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        Attestation()
    }
}

/// A prover that sends nothing; the registry needs one per plugin.
struct SilentProver: JoinProver {
    let name: String
}

enum FakePlugins {
    static func plugin(_ method: any JoinMethod, authServiceKeys: Set<String> = []) -> JoinMethodPlugin {
        let name = method.name
        return JoinMethodPlugin(
            name: name, authServiceKeys: authServiceKeys,
            makeMethod: { _ in method },
            makeProver: { _ in SilentProver(name: name) })
    }

    /// A registry of `token`, `ec2` and `bound_keypair` test methods.
    static let registry = JoinMethodRegistry(plugins: [
        plugin(PlainTokenMethod()),
        plugin(AllowRuleMethod(), authServiceKeys: ["ec2_regions"]),
        plugin(SectionOwningMethod(), authServiceKeys: ["bound_keypair_limits", "tokens"]),
    ])

    static func methods(enabled: [String]? = nil) throws -> JoinMethodSet {
        try registry.makeMethods(enabled: enabled, context: PluginContext())
    }
}

/// The message of a thrown ``JoinError`` (fails the test if something else was thrown).
func joinErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
    } catch let error as JoinError {
        return error.message
    } catch {
        return "unexpected error type \(type(of: error)): \(error)"
    }
    return nil
}

/// The message of a ``JoinError`` thrown by async code, such as ``JoinMethodSet/validate(_:)``.
func joinErrorMessage(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
    } catch let error as JoinError {
        return error.message
    } catch {
        return "unexpected error type \(type(of: error)): \(error)"
    }
    return nil
}

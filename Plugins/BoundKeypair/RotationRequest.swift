import Foundation
import JoinCore

/// `tctl bound-keypair request-rotation NAME` (Teleport's): asks the client of a `bound_keypair`
/// token to rotate its keypair on its next join, by setting `spec.bound_keypair.rotate_after`
/// to now. The client generates a new key during that join and the token binds it (spec §8.5).
///
/// The token goes back without its `status`, so the Auth server keeps the status it holds when
/// the change is stored (see ``BoundKeypairStoragePreparation``) rather than one read earlier.
public enum RotationRequest {
    public static let confirmation =
        "Token rotation flag has been set, rotation will be required during the next authentication attempt."

    /// `token` with rotation requested at `now`; refused for a token of another method.
    public static func requesting(_ token: ProvisionToken, at now: Date) throws -> ProvisionToken {
        guard token.spec.joinMethod == BoundKeypairJoinMethod.methodName else {
            throw JoinError.badParameter(
                "token \(UntrustedString.sanitize(token.metadata.name)) is of type \(UntrustedString.sanitize(token.spec.joinMethod)), not bound_keypair")
        }
        var spec = try BoundKeypairTokenSpec(of: token)
        // Whole seconds: the stored form has no fractions, and a rotation is due once
        // rotate_after <= now, so rounding down never delays it.
        spec.rotateAfter = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var updated = token
        updated.spec.methodSections[BoundKeypairTokenSpec.sectionKey] = spec.json
        updated.status = nil
        return updated
    }
}

import Foundation
import JoinCore

/// A caller authenticated once for a long-lived stream (a node's heartbeats): who it is, and
/// when the certificate it authenticated with stops being valid, so that a connection held
/// past that moment is refused on its next message as a new call would be.
struct CallerSession: Sendable {
    let identity: PeerIdentity
    let notValidAfter: Date

    /// Throws the expired-certificate refusal once `now` is past the certificate's validity.
    func requireUnexpired(now: Date) throws {
        guard now <= notValidAfter else { throw PeerIdentity.expired(at: notValidAfter) }
    }
}

import Foundation
import JoinCore
import TestSupport

/// A join method under test, as its own suite describes it to ``JoinMethodConformanceKit``.
///
/// The kit knows how to drive any join through the Auth server's pipeline and what every
/// method must do when that join is wrong; it cannot know how to make *this* method's valid
/// join (a stored token, an identity document, AWS keys, a registration secret). A subject
/// says exactly that, plus the few facts the kit could not guess (``ConformanceTraits``).
///
/// Every check runs against a fresh ``TestCluster`` made from ``registry`` and
/// ``authService``, on a ``ManualClock`` that starts at ``clockStart``. The `prepare…`
/// functions may be called several times on one cluster: each call should create a new token
/// (a new name), except for tokens that cannot be created at run time (static tokens, which
/// are multi-use anyway).
public protocol ConformanceSubject: Sendable {
    /// The method's name (`token`, `ec2`, …): what the kit's clients ask for in `ClientInit`
    /// and the prover the kit makes from ``registry``.
    var methodName: String { get }

    /// A registry holding the method's plugin, and any other plugin the cluster needs.
    var registry: JoinMethodRegistry { get }

    /// `auth_service` settings the method reads (static tokens under `tokens`, `aws`, …),
    /// handed to every ``TestCluster``. Defaults to none.
    var authService: [String: JSONValue] { get }

    /// Where each cluster's ``ManualClock`` starts. Defaults to now (whole seconds). A method
    /// verifying time-bound signed data (EC2 identity documents) sets it near that data's time.
    /// Methods with challenges should leave it near now: the cancellation check runs over real
    /// TLS, which checks certificates against the machine's clock.
    var clockStart: Date { get }

    /// What the kit cannot guess about the method.
    var traits: ConformanceTraits { get }

    /// Creates, in `cluster`, a token for valid joins and returns what a client needs to make
    /// one (token name, role, prover settings). The same client must be able to join with it
    /// more than once (the replay check replays a join's solutions against the token they were
    /// made for, right after an honest join shows the token still admits that client).
    func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin

    /// Creates a token that has expired by the time this returns (create it with a short
    /// lifetime, then advance `clock`, which is the cluster's), or says why the method's tokens
    /// cannot expire.
    func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin>

    /// The method's single-use case (a bot token, a registration secret): `clients` joins that
    /// each would succeed alone but may succeed only once together, each with its own prover
    /// settings (its own data directory). Or says why the method has nothing single-use.
    func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]>
}

extension ConformanceSubject {
    public var authService: [String: JSONValue] { [:] }
    public var clockStart: Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }
}

/// What a client needs to make one join: the token, the role it asks for, and the settings
/// its prover is made with (`teleport.join_params` and a data directory). The kit makes the
/// prover from the subject's registry, on the cluster's clock.
public struct ConformanceJoin: Sendable {
    public var tokenName: String
    /// A role the token allows (`Node` for host tokens, `Bot` for bot tokens).
    public var role: SystemRole
    /// The prover's join parameters: its method's section (e.g. `bound_keypair:` with a
    /// `registration_secret`).
    public var joinParams: JSONValue
    /// The prover's data directory, for methods that keep client state. Put it under
    /// `cluster.directory`, which is removed with the cluster.
    public var dataDirectory: URL?

    public init(tokenName: String, role: SystemRole = .node, joinParams: JSONValue = .object([:]), dataDirectory: URL? = nil) {
        self.tokenName = tokenName
        self.role = role
        self.joinParams = joinParams
        self.dataDirectory = dataDirectory
    }
}

/// The answer to an optional `prepare…` request: what to run, or why the check does not apply
/// to this method. The reason is printed in the report, so make it specific.
public enum ConformancePreparation<Value: Sendable>: Sendable {
    case prepared(Value)
    case notApplicable(String)
}

/// Facts about a method the kit checks against what it observes but cannot find out alone.
public struct ConformanceTraits: Sendable {
    /// Whether the server challenges the client during a join.
    public enum Challenges: Sendable, Equatable {
        /// Every join has at least one challenge round: the kit replays captured solutions,
        /// truncates solutions and cancels streams mid-challenge.
        case everyJoin
        /// The method never challenges; `replayDefence` says why replaying a join's bytes
        /// gains an attacker nothing. It becomes the reason the replay check does not apply.
        case never(replayDefence: String)
    }

    public var challenges: Challenges
    /// A role the prepared tokens do not allow, for the wrong-role check.
    public var refusedRole: SystemRole

    public init(challenges: Challenges, refusedRole: SystemRole) {
        self.challenges = challenges
        self.refusedRole = refusedRole
    }
}

/// The one error type that crosses module and wire boundaries.
///
/// Every failure a person can meet carries a `kind` (which maps to a gRPC status code on the
/// wire) and a message that says what was wrong and what to do. Messages never contain a
/// secret: callers mask token names with ``SafeName`` before building one.
public struct JoinError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, mirroring Teleport's trace error kinds.
    public enum Kind: String, Sendable, Equatable {
        case accessDenied
        case badParameter
        case notFound
        case alreadyExists
        /// A compare-and-swap lost: someone else changed the item first.
        case compareFailed
        case limitExceeded
        case notImplemented
        case unavailable
        case internalError
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func accessDenied(_ message: String) -> JoinError { .init(.accessDenied, message) }
    public static func badParameter(_ message: String) -> JoinError { .init(.badParameter, message) }
    public static func notFound(_ message: String) -> JoinError { .init(.notFound, message) }
    public static func alreadyExists(_ message: String) -> JoinError { .init(.alreadyExists, message) }
    public static func compareFailed(_ message: String) -> JoinError { .init(.compareFailed, message) }
    public static func limitExceeded(_ message: String) -> JoinError { .init(.limitExceeded, message) }
    public static func notImplemented(_ message: String) -> JoinError { .init(.notImplemented, message) }
    public static func unavailable(_ message: String) -> JoinError { .init(.unavailable, message) }
    public static func internalError(_ message: String) -> JoinError { .init(.internalError, message) }

    /// The message every token lookup failure gives, whether the token is unknown, expired or
    /// of another method, so that a caller cannot probe which names exist.
    public static let tokenExpiredOrNotFound = JoinError.accessDenied("token expired or not found")
}

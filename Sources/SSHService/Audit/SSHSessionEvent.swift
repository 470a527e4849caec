import Foundation

/// One audit event of the SSH Service: a refused login, a session starting or ending, an exec
/// finishing. The node forwards these to the Auth server's audit log.
public struct SSHSessionEvent: Sendable, Equatable {
    /// What happened; the raw values are Teleport's event codes.
    public enum Kind: String, Sendable {
        case authFailure = "auth"
        case sessionStart = "session.start"
        case sessionEnd = "session.end"
        case exec = "exec"
    }

    public var kind: Kind
    /// The Teleport user (certificate key ID); empty when no certificate was presented.
    public var user: String
    public var login: String
    public var clientAddress: String
    /// A UUID per SSH session channel; empty for `authFailure`.
    public var sessionID: String
    /// `exec`: the command line.
    public var command: String?
    /// `exec` and `session.end`: the exit status, or 128 + the signal number for a process a signal ended.
    public var exitCode: Int32?
    /// Whether the session is interactive: a shell, or anything with a PTY. A plain exec is not.
    public var interactive: Bool
    /// `session.end`: seconds from the process starting to the session ending.
    public var durationSeconds: Double?
    /// `authFailure`: why the login was refused.
    public var reason: String?
    public var time: Date

    public init(
        kind: Kind, user: String, login: String, clientAddress: String, sessionID: String = "",
        command: String? = nil, exitCode: Int32? = nil, interactive: Bool = false,
        durationSeconds: Double? = nil, reason: String? = nil, time: Date
    ) {
        self.kind = kind
        self.user = user
        self.login = login
        self.clientAddress = clientAddress
        self.sessionID = sessionID
        self.command = command
        self.exitCode = exitCode
        self.interactive = interactive
        self.durationSeconds = durationSeconds
        self.reason = reason
        self.time = time
    }
}

/// Receives session audit events (the node forwards them to the Auth server).
///
/// Events are delivered one at a time, in the order they happened, from a single task the
/// server owns; a slow auditor delays later events, never a session.
public protocol SSHSessionAuditor: Sendable {
    func record(_ event: SSHSessionEvent) async
}

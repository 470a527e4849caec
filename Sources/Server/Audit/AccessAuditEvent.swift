import Foundation
import JoinCore
import Logging

/// A server-access event (a user's sign-in, an SSH session, a command), in the audit log
/// beside join attempts. Stored as an ``AuditEvent``: `node_name` names who acted (the user),
/// `host_id` the node, `role` the Unix login, and the rest is in `attributes`
/// (`user`, `login`, `session_id`, `command`, `exit_code`, `duration_seconds`, …).
public struct AccessAuditEvent: Sendable {
    /// The kinds of event and Teleport's codes for them.
    public enum Kind: String, Sendable, CaseIterable {
        case userLogin = "user.login"
        case sessionStart = "session.start"
        case sessionEnd = "session.end"
        case exec = "exec"
        /// A node refused a user's SSH login.
        case sshDenied = "auth"
        case userCreate = "user.create"
        case userDelete = "user.delete"
        case userReset = "user.password_change"

        func code(success: Bool) -> String {
            switch self {
            case .userLogin: success ? "T1000I" : "T1000W"
            case .sessionStart: "T2000I"
            case .sessionEnd: "T2004I"
            case .exec: success ? "T3002I" : "T3002E"
            case .sshDenied: "T3007W"
            case .userCreate: "T1002I"
            case .userDelete: "T1004I"
            case .userReset: "T1005I"
            }
        }
    }

    public var kind: Kind
    public var success: Bool
    public var user: String
    public var login: String = ""
    public var hostID: String = ""
    public var remoteAddress: String
    public var reason: String?
    public var fields: [String: String] = [:]

    public init(kind: Kind, success: Bool, user: String, login: String = "", hostID: String = "", remoteAddress: String,
                reason: String? = nil, fields: [String: String] = [:]) {
        self.kind = kind
        self.success = success
        self.user = user
        self.login = login
        self.hostID = hostID
        self.remoteAddress = remoteAddress
        self.reason = reason
        self.fields = fields
    }
}

extension AuditLog {
    /// Writes a server-access event (and a log line without secrets).
    func record(_ event: AccessAuditEvent, at time: Date) async {
        func cut(_ text: String) -> String { UntrustedString.sanitize(String(text.prefix(AuditLog.maximumFieldLength))) }
        var attributes = event.fields.mapValues(Self.printable)
        attributes["user"] = cut(event.user)
        if !event.login.isEmpty { attributes["login"] = cut(event.login) }
        let stored = AuditEvent(
            time: time, type: event.kind.rawValue, code: event.kind.code(success: event.success), success: event.success,
            method: "", tokenName: "", role: cut(event.login), hostID: cut(event.hostID), nodeName: cut(event.user),
            remoteAddress: cut(event.remoteAddress), reason: event.reason.map(Self.printable), attributes: attributes)
        var metadata: Logger.Metadata = ["type": .string(event.kind.rawValue), "user": .string(cut(event.user)),
                                         "remote_addr": .string(cut(event.remoteAddress))]
        if !event.login.isEmpty { metadata["login"] = .string(cut(event.login)) }
        if !event.hostID.isEmpty { metadata["host_id"] = .string(cut(event.hostID)) }
        if let reason = event.reason { metadata["reason"] = .string(Self.printable(reason)) }
        if event.success { logger.info("access event", metadata: metadata) } else { logger.warning("access event", metadata: metadata) }
        await append(stored)
    }

    /// Free text in an access event (a command line, a refusal): kept readable, spaces and
    /// quotes included, but without control characters (no forged log lines, no terminal
    /// escapes) and cut to ``maximumFieldLength``.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(maximumFieldLength).map {
            $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : $0
        }))
    }
}

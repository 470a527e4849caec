import Foundation
import JoinCore

/// A session event as a node reports it (`EmitSessionEvent`). The node is named from its
/// certificate, never from the event; everything else is what the node saw, checked for
/// shape and bounded before it reaches the audit log.
struct NodeSessionEvent: Decodable {
    var type: String
    var user: String
    var login: String
    var sessionID: String?
    var clientAddress: String?
    var command: String?
    var exitCode: Int?
    var durationSeconds: Double?
    var interactive: Bool?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case type, user, login, sessionID = "session_id", clientAddress = "client_addr", command
        case exitCode = "exit_code", durationSeconds = "duration_seconds", interactive, reason
    }

    /// The event types a node may report.
    static let kinds: [String: AccessAuditEvent.Kind] = [
        "session.start": .sessionStart, "session.end": .sessionEnd, "exec": .exec, "auth": .sshDenied,
    ]

    static func decode(_ data: Data) throws -> NodeSessionEvent {
        let event: NodeSessionEvent
        do {
            event = try JSONDecoder().decode(NodeSessionEvent.self, from: data)
        } catch {
            throw JoinError.badParameter("the session event is not valid JSON of the expected shape: \(DecodingErrorDescription.describe(error))")
        }
        guard kinds[event.type] != nil else {
            throw JoinError.badParameter("unknown session event type \"\(UntrustedString.sanitize(event.type))\"; expected one of \(kinds.keys.sorted().joined(separator: ", "))")
        }
        return event
    }

    func auditEvent(hostID: String) -> AccessAuditEvent {
        let kind = Self.kinds[type] ?? .sshDenied
        var fields: [String: String] = [:]
        if let sessionID { fields["session_id"] = sessionID }
        if let command { fields["command"] = command }
        if let exitCode { fields["exit_code"] = String(exitCode) }
        if let durationSeconds { fields["duration_seconds"] = String(format: "%.3f", durationSeconds) }
        if let interactive { fields["interactive"] = interactive ? "true" : "false" }
        return AccessAuditEvent(kind: kind, success: kind != .sshDenied, user: user, login: login, hostID: hostID,
                                remoteAddress: clientAddress ?? "", reason: reason, fields: fields)
    }
}

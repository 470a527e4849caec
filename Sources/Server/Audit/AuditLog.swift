import Foundation
import JoinCore
import Logging

/// Records every join attempt, success or failure, in the backend's audit table and as a log
/// line. What goes in is already safe: masked token names, sanitised client strings, verified
/// attributes; never a token value, key or AWS secret.
public struct AuditLog: Sendable {
    /// Teleport's event codes for joins.
    enum Code {
        static let instanceJoin = "TJ002I"
        static let instanceJoinFailure = "TJ002E"
        static let botJoin = "TJ001I"
        static let botJoinFailure = "TJ001E"
    }

    /// The longest a name in an event may be (the longest token name a join accepts). A
    /// longer one — a client can send a token name as large as a whole message — is cut, so
    /// one attempt cannot write a quarter of a megabyte into the log.
    public static let maximumFieldLength = 1024

    let backend: any Backend
    let logger: Logger

    public init(backend: any Backend, logger: Logger) {
        self.backend = backend
        self.logger = logger
    }

    func record(_ attempt: JoinAuditRecord, at time: Date, failure: String?, type: String? = nil) async {
        let isBot = attempt.role == SystemRole.bot.rawValue
        let code = switch (isBot, failure == nil) {
        case (true, true): Code.botJoin
        case (true, false): Code.botJoinFailure
        case (false, true): Code.instanceJoin
        case (false, false): Code.instanceJoinFailure
        }
        let attempt = attempt.bounded
        let event = AuditEvent(
            time: time, type: type ?? (isBot ? "bot.join" : "instance.join"), code: code, success: failure == nil,
            method: attempt.method, tokenName: attempt.tokenName, role: attempt.role, hostID: attempt.hostID,
            nodeName: attempt.nodeName, remoteAddress: attempt.remoteAddress, reason: failure,
            attributes: attempt.auditedAttributes)
        var metadata: Logger.Metadata = [
            "method": .string(attempt.method), "token": .string(attempt.tokenName), "role": .string(attempt.role),
            "host_id": .string(attempt.hostID), "node": .string(attempt.nodeName), "remote_addr": .string(attempt.remoteAddress),
        ]
        if let failure {
            metadata["reason"] = .string(failure)
            logger.warning("join attempt rejected", metadata: metadata)
        } else {
            logger.info("join attempt succeeded", metadata: metadata)
        }
        await append(event)
    }

    /// Stores `event`, also when the attempt's task has been cancelled.
    ///
    /// A join that hit its deadline, or whose client went away, is audited from a cancelled
    /// task, and backends rightly abandon cancelled work (GRDB throws `CancellationError`):
    /// exactly those attempts would leave no event. The write therefore runs in a task of its
    /// own, which does not inherit the cancellation, and is awaited here, so nothing is left
    /// running behind the attempt.
    func append(_ event: AuditEvent) async {
        let backend = self.backend
        let write = Task { try await backend.appendAuditEvent(event) }
        do {
            try await write.value
        } catch {
            logger.error("failed to write audit event", metadata: ["error": .string(String(describing: error))])
        }
    }
}

extension AuditLog {
    /// Writes an event a method (or the pipeline) raised during an attempt, next to the join
    /// event, with the attempt's method, token, role and address.
    func recordEvent(_ event: AttemptEffects.Event, record: JoinAuditRecord, at time: Date) async {
        let record = record.bounded
        let stored = AuditEvent(
            time: time, type: event.type, code: event.code, success: event.success, method: record.method,
            tokenName: record.tokenName, role: record.role, hostID: record.hostID, nodeName: record.nodeName,
            remoteAddress: record.remoteAddress, reason: event.failure,
            attributes: event.fields.mapValues(UntrustedString.sanitizeVerified))
        var metadata: Logger.Metadata = ["type": .string(event.type), "token": .string(record.tokenName),
                                         "remote_addr": .string(record.remoteAddress)]
        if let failure = event.failure { metadata["reason"] = .string(failure) }
        if event.success { logger.info("security event", metadata: metadata) } else { logger.warning("security event", metadata: metadata) }
        await append(stored)
    }
}

/// What the pipeline learns about an attempt as it goes, for its audit event.
struct JoinAuditRecord: Sendable {
    var remoteAddress: String
    var method = ""
    var tokenName = ""
    var role = ""
    var hostID = ""
    var nodeName = ""
    var attributes: [String: String] = [:]
    /// The address of the Proxy Service that forwarded the attempt, when one did.
    var forwardedBy: String?

    /// The record with every name cut to ``AuditLog/maximumFieldLength``.
    var bounded: JoinAuditRecord {
        func cut(_ text: String) -> String {
            text.utf8.count <= AuditLog.maximumFieldLength ? text : String(text.prefix(AuditLog.maximumFieldLength))
        }
        var copy = self
        copy.remoteAddress = cut(remoteAddress)
        copy.method = cut(method)
        copy.tokenName = cut(tokenName)
        copy.role = cut(role)
        copy.hostID = cut(hostID)
        copy.nodeName = cut(nodeName)
        return copy
    }

    /// The attributes as audited: the verified facts, plus the forwarding proxy's address.
    var auditedAttributes: [String: String] {
        var all = attributes
        if let forwardedBy { all["forwarded_by_proxy"] = forwardedBy }
        return all
    }
}

import Foundation
import JoinCore
import Logging

/// Keeps tctl's Admin identity in `data_dir/admin/` alive while the Auth server runs, and only
/// then: a task owned by ``AuthServer/run(onListening:)``.
///
/// At start it picks a fresh generation for this run, records it in the backend as the current
/// run of this server ID (replacing what an earlier run left) and writes a short-lived Admin
/// certificate naming that run. Every ``AdminIdentityPolicy/renewAfter`` it extends the record
/// and writes a new key and certificate. On a clean stop it removes the record, so the last
/// identity stops working at once; after a crash the record expires shortly after the last
/// certificate did, and the next start replaces it straight away.
struct AdminIdentityKeeper: Sendable {
    /// What one run holds between renewals.
    struct Session: Sendable {
        let run: AuthServerRun
        let started: Date
        var revision: Int64
        /// When the identity on disk was issued.
        var issued: Date
    }

    let authorities: ClusterAuthorities
    let store: AdminGenerationStore
    let policy: AdminIdentityPolicy
    let dataDirectory: URL
    /// What tctl dials (`data_dir/admin/auth_server`).
    let authServerAddress: String
    let clock: any JoinClock
    let logger: Logger

    /// Records a new run of this server and writes its first identity.
    func begin() async throws -> Session {
        let run = AuthServerRun.starting(serverID: try AuthServerID.load(in: dataDirectory))
        let now = clock.now
        let revision = try await store.begin(run, now: now, expires: now + policy.recordLifetime)
        try write(run, now: now)
        logger.info("admin identity written", metadata: [
            "dir": "\(AdminIdentityFile.directory(in: dataDirectory).path)", "server_id": "\(run.serverID)",
            "expires": "\(now + policy.lifetime)",
        ])
        return Session(run: run, started: now, revision: revision, issued: now)
    }

    /// Renews the identity until cancelled, then ends the run (see the type's documentation).
    func keepRenewed(_ start: Session) async throws {
        var session = start
        do {
            while true {
                try await Task.sleep(for: policy.checkInterval)
                guard clock.now >= session.issued + policy.renewAfter else { continue }
                guard let renewed = await renew(session) else { return }
                session = renewed
            }
        } catch is CancellationError {
            // The surrounding task is cancelled; the removal runs in a task of its own.
            let store = self.store
            let logger = self.logger
            let ending = session
            await Task {
                do {
                    try await withDeadline(seconds: 5, onTimeout: .unavailable("the backend did not answer within 5 s")) {
                        try await store.end(ending.run, revision: ending.revision)
                    }
                } catch {
                    logger.debug("admin run record not removed; it expires on its own", metadata: ["error": "\(error)"])
                }
            }.value
            throw CancellationError()
        }
    }

    /// One renewal: the new session, the same one to retry at the next check, or `nil` when
    /// another process took this server ID over.
    func renew(_ session: Session) async -> Session? {
        let now = clock.now
        var next = session
        do {
            next.revision = try await store.renew(
                session.run, started: session.started, revision: session.revision, now: now, expires: now + policy.recordLifetime)
            try write(session.run, now: now)
            next.issued = now
            logger.debug("admin identity renewed", metadata: ["expires": "\(now + policy.lifetime)"])
            return next
        } catch let error as AdminRunSuperseded {
            logger.error("\(error)")
            return nil
        } catch {
            logger.warning("cannot renew the admin identity; retrying", metadata: ["error": "\(error)"])
            return next
        }
    }

    private func write(_ run: AuthServerRun, now: Date) throws {
        let identity = try LocalTLSIdentity.admin(hostCA: authorities.host, run: run, lifetime: policy.lifetime, now: now)
        try AdminIdentityFile.write(identity, authServer: authServerAddress, dataDirectory: dataDirectory)
    }
}

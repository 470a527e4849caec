import Foundation
import Glibc
import JoinCore

/// tsh's files: `$TELEPORT_HOME` (default `~/.tsh`, 0700) holds `current-profile`, a
/// `<proxy>.json` profile per proxy, `known_hosts` (empty: node keys come from the cluster,
/// see ``KnownHostsCommand``), and under
/// `keys/<proxy>/` the user's SSH key and certificate, TLS key and certificate and the
/// cluster's TLS CA certificates — each written 0600, whole (write, sync, rename).
struct ProfileStore {
    let home: URL

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let custom = environment["TELEPORT_HOME"], !custom.isEmpty {
            home = URL(fileURLWithPath: custom)
        } else {
            home = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".tsh")
        }
    }

    /// The files of one profile.
    struct Paths {
        let keys: URL
        let user: String
        var sshKey: URL { keys.appendingPathComponent(user) }
        var sshCertificate: URL { keys.appendingPathComponent("\(user)-cert.pub") }
        var tlsKey: URL { keys.appendingPathComponent("\(user).tls.key") }
        var tlsCertificate: URL { keys.appendingPathComponent("\(user)-x509.pem") }
        var hostCA: URL { keys.appendingPathComponent("cas.pem") }
    }

    var knownHosts: URL { home.appendingPathComponent("known_hosts") }

    func paths(_ profile: TshProfile) -> Paths {
        Paths(keys: home.appendingPathComponent("keys").appendingPathComponent(profile.proxyHost), user: profile.user)
    }

    /// The profile `tsh login` saved last, or nil when nobody is signed in.
    func current() throws -> TshProfile? {
        guard let name = try? String(contentsOf: home.appendingPathComponent("current-profile"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else { return nil }
        let file = home.appendingPathComponent("\(name).json")
        guard let data = try? Data(contentsOf: file) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(TshProfile.self, from: data)
        } catch {
            throw JoinError.badParameter("\(file.path) cannot be read (\(error)); run tsh login again")
        }
    }

    /// The current profile, or the refusal every command that needs one gives.
    func requireCurrent() throws -> TshProfile {
        guard let profile = try current() else {
            throw JoinError.accessDenied("not logged in; run tsh login --proxy=HOST:PORT --user=NAME first")
        }
        return profile
    }

    func read(_ url: URL) throws -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw JoinError.accessDenied("cannot read \(url.path); run tsh login again")
        }
    }

    /// Saves a signed-in profile and its credentials, and makes it current.
    func save(_ profile: TshProfile, sshKey: String, sshCertificate: String, tlsKey: String, tlsCertificate: String,
              hostCA: [String]) throws {
        let paths = paths(profile)
        try FileManager.default.createDirectory(at: paths.keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.path)
        try write(sshKey, to: paths.sshKey)
        try write(sshCertificate + "\n", to: paths.sshCertificate)
        try write(tlsKey, to: paths.tlsKey)
        try write(tlsCertificate, to: paths.tlsCertificate)
        try write(hostCA.joined(), to: paths.hostCA)
        // No @cert-authority line: a host certificate carries names its node asked for, so
        // trusting the host CA for *.<cluster> would let one node answer for another. Node keys
        // are pinned per node instead (tsh known-hosts).
        try write("", to: knownHosts)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(String(decoding: try encoder.encode(profile), as: UTF8.self), to: home.appendingPathComponent("\(profile.proxyHost).json"))
        try write(profile.proxyHost + "\n", to: home.appendingPathComponent("current-profile"))
    }

    /// Removes every profile and key (`tsh logout`); true when there was anything to remove.
    func removeAll() throws -> Bool {
        guard FileManager.default.fileExists(atPath: home.path) else { return false }
        let had = (try? current()) != nil
        for name in ["keys", "current-profile", "known_hosts"] {
            try? FileManager.default.removeItem(at: home.appendingPathComponent(name))
        }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? [] where file.hasSuffix(".json") {
            try? FileManager.default.removeItem(at: home.appendingPathComponent(file))
        }
        return had
    }

    /// Writes `text` with mode 0600: a temporary file, synced, then renamed over the target.
    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JoinError.internalError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, rename(temporary.path, url.path) == 0 else {
            throw JoinError.internalError("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}

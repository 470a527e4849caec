import Crypto
import Foundation
import JoinCore

/// The plugin program, checked and staged for one start: its bytes are read once, their
/// SHA-256 compared (constant time) with the configured digest, and those same bytes written
/// to a private directory and run from there — so the program that runs is the one that was
/// checked, even if the file at `command` is replaced in between. The copy is 0555 so that a
/// plugin with `run_as` can run it; the directory around it is the host's (PluginDirectory).
enum PluginExecutable {
    static func stage(_ spec: ExternalPluginSpec, in directory: URL) throws -> URL {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: spec.command))
        } catch {
            throw JoinError.unavailable("join plugin \(spec.name): cannot read \(spec.command): \(error.localizedDescription)")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard ConstantTime.equals(Array(digest.utf8), Array(spec.sha256.utf8)) else {
            throw JoinError.accessDenied(
                "join plugin \(spec.name): \(spec.command) has SHA-256 \(digest), not the configured \(spec.sha256); refusing to start it")
        }
        let staged = directory.appendingPathComponent("\(spec.name)-\(digest.prefix(12))")
        if !FileManager.default.fileExists(atPath: staged.path) {
            let partial = directory.appendingPathComponent(".\(spec.name)-\(UUID().uuidString)")
            try bytes.write(to: partial)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: partial.path)
            try FileManager.default.moveItem(at: partial, to: staged)
        }
        return staged
    }
}

import Foundation

/// The names ``AtomicFile`` gives its temporary files, in one place so the start-up sweep
/// (``LeftoverTemporaryFiles``) recognises exactly what a writer interrupted by a crash left
/// behind, and nothing else: `.<target name>.<UUID>.tmp`, hidden, in the target's directory.
extension AtomicFile {
    /// The temporary name for a write to `target` (a file name, not a path).
    public static func temporaryName(for target: String) -> String {
        ".\(target).\(UUID().uuidString).tmp"
    }

    /// Whether `name` has the exact shape ``temporaryName(for:)`` makes: a leading dot, a
    /// non-empty target name, a dot, an upper-case UUID, `.tmp`. A file that merely ends in
    /// `.tmp` does not.
    public static func isTemporaryName(_ name: String) -> Bool {
        let suffix = ".tmp"
        let uuidLength = 36
        guard name.hasPrefix("."), name.hasSuffix(suffix) else { return false }
        let body = name.dropFirst().dropLast(suffix.count)
        guard body.count > uuidLength + 1 else { return false }
        let uuid = body.suffix(uuidLength)
        guard body.dropLast(uuidLength).last == "." else { return false }
        guard let parsed = UUID(uuidString: String(uuid)), parsed.uuidString == uuid else { return false }
        return !body.dropLast(uuidLength + 1).isEmpty
    }
}

import Foundation
import JoinCore

/// Where `teleport configure -o …` / `teleport node configure --output=…` send the config:
/// `stdout`, `file` (the default config file), `file:///path`, or a plain path.
public enum ConfigOutputTarget: Sendable, Equatable {
    case standardOutput
    case file(String)

    /// The default config file: `TELEPORT_CONFIG_FILE` when set (as tctl reads it in Teleport),
    /// else `/etc/teleport.yaml`. `teleport start`, `tctl` and `--output=file` all use it.
    public static var defaultFilePath: String {
        let environment = ProcessInfo.processInfo.environment["TELEPORT_CONFIG_FILE"] ?? ""
        return environment.isEmpty ? "/etc/teleport.yaml" : environment
    }

    public init(parsing text: String) throws {
        switch text {
        case "stdout", "-": self = .standardOutput
        case "file": self = .file(ConfigOutputTarget.defaultFilePath)
        default:
            if text.hasPrefix("file://") {
                let path = String(text.dropFirst("file://".count))
                guard path.hasPrefix("/") else {
                    throw JoinError.badParameter("--output \(text): a file:// URL needs an absolute path, e.g. file:///etc/teleport.yaml")
                }
                self = .file(path)
            } else if !text.isEmpty, !text.contains("://") {
                self = .file(text)
            } else {
                throw JoinError.badParameter("--output \(text): use stdout, file (\(ConfigOutputTarget.defaultFilePath)), " +
                    "file:///path or a path")
            }
        }
    }

    /// Writes `yaml`: to `standardOutput` as is, or to the file (mode 0600, because it may
    /// hold a token) followed by a confirmation line on `standardOutput`. An existing file is
    /// left alone unless `overwrite` is set, so a working config is never replaced by accident.
    public func write(_ yaml: String, overwrite: Bool = false,
                      standardOutput: (String) -> Void = { print($0, terminator: "") }) throws {
        switch self {
        case .standardOutput:
            standardOutput(yaml)
        case .file(let path):
            let manager = FileManager.default
            if manager.fileExists(atPath: path) && !overwrite {
                throw JoinError.alreadyExists("a Teleport configuration file already exists at \(path); " +
                    "remove it, or choose another path with -o file:///path")
            }
            do {
                try SecureFileWriter.write(yaml, to: path, overwrite: overwrite)
            } catch let error as JoinError {
                throw error
            } catch {
                throw JoinError.badParameter("cannot write the config to \(path): \(FileErrorText.reason(error)); " +
                    "run with sudo or choose another path with -o file:///path")
            }
            standardOutput("Wrote config to file \"\(path)\". Now you can start the server. Happy Teleporting!\n")
        }
    }
}

/// Creates a file readable only by its owner from the first byte (no window in which a token
/// sits in a world-readable file), creating missing parent directories.
enum SecureFileWriter {
    static func write(_ text: String, to path: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let flags = O_WRONLY | O_CREAT | O_TRUNC | (overwrite ? 0 : O_EXCL)
        let descriptor = open(path, flags, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

import Foundation
import JoinCore
import Synchronization

/// Where finished log lines go: stderr, stdout, a file, or (in tests) a closure.
///
/// Writes are serialised with a lock so lines from concurrent tasks never interleave.
public final class LogSink: Sendable {
    private let handle: Mutex<FileHandle?>
    private let capture: (@Sendable (String) -> Void)?

    private init(handle: FileHandle?, capture: (@Sendable (String) -> Void)?) {
        self.handle = Mutex(handle)
        self.capture = capture
    }

    public static let standardError = LogSink(handle: FileHandle.standardError, capture: nil)
    public static let standardOutput = LogSink(handle: FileHandle.standardOutput, capture: nil)

    /// Appends to the file at `path`, creating it (mode 0600) when missing.
    public static func file(_ path: String) throws -> LogSink {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else {
            throw JoinError.badParameter("teleport.log.output: cannot open the log file \(path): " +
                String(cString: strerror(errno)) + "; fix its permissions or use stderr")
        }
        return LogSink(handle: FileHandle(fileDescriptor: descriptor, closeOnDealloc: true), capture: nil)
    }

    /// Hands each line (without its newline) to `receive`; for tests.
    public static func capturing(_ receive: @escaping @Sendable (String) -> Void) -> LogSink {
        LogSink(handle: nil, capture: receive)
    }

    /// The sink `teleport.log.output` names.
    public static func destination(_ destination: LogDestination) throws -> LogSink {
        switch destination {
        case .standardError: return .standardError
        case .standardOutput: return .standardOutput
        case .file(let path): return try .file(path)
        }
    }

    public func write(line: String) {
        if let capture {
            capture(line)
            return
        }
        handle.withLock { handle in
            try? handle?.write(contentsOf: Data((line + "\n").utf8))
        }
    }
}

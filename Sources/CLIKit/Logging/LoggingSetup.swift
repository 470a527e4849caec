import Foundation
import Logging

/// Installs ``JoineryLogHandler`` as the process's swift-log backend.
///
/// swift-log allows one bootstrap per process, so the executables call this once, early in
/// `run()`, with the severity from `teleport.log.severity` (or `--debug`) and the format from
/// `teleport.log.format.output`.
public enum LoggingSetup {
    /// The level to log at: `--debug` wins over the config file.
    public static func level(severity: LogSeverity, debugFlag: Bool) -> Logger.Level {
        debugFlag ? .debug : severity.loggerLevel
    }

    /// Bootstraps logging. Throws only when a log file cannot be opened.
    public static func bootstrap(severity: LogSeverity = .info, format: LogFormat = .text,
                                 destination: LogDestination = .standardError, debug: Bool = false) throws {
        let sink = try LogSink.destination(destination)
        let level = self.level(severity: severity, debugFlag: debug)
        LoggingSystem.bootstrap({ label, provider in
            JoineryLogHandler(label: label, level: level, format: format, sink: sink, metadataProvider: provider)
        }, metadataProvider: nil)
    }

    /// Bootstraps from a loaded config's `teleport.log` section.
    public static func bootstrap(_ log: LogConfig, debug: Bool = false) throws {
        try bootstrap(severity: log.severity, format: log.format, destination: log.output, debug: debug)
    }
}

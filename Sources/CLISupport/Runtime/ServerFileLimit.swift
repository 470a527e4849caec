import ListenSockets
import Logging

/// Raises the open-file limit of a process that serves the Auth service or the Proxy Service,
/// and says what it did: every node connection holds a descriptor.
public enum ServerFileLimit {
    public static func raise(logger: Logger) {
        guard let limit = OpenFileLimit.raiseToHardLimit() else {
            logger.warning("cannot read the open-file limit (RLIMIT_NOFILE); a large fleet may run out of descriptors")
            return
        }
        let metadata: Logger.Metadata = ["soft": "\(limit.after)", "hard": "\(limit.hard)"]
        if limit.after > limit.before {
            logger.info("raised the open-file limit to the hard limit", metadata: metadata.merging(["was": "\(limit.before)"]) { $1 })
        } else if limit.after < limit.hard {
            logger.warning("cannot raise the open-file limit to the hard limit", metadata: metadata)
        } else {
            logger.info("open-file limit", metadata: metadata)
        }
    }
}

import COpenSSL

/// OpenSSL reports failures on a per-thread error queue. Each verification starts from an empty
/// queue and leaves one behind, so that one caller's errors never show in another's message.
public enum OpenSSLErrorQueue {
    public static func clear() { ERR_clear_error() }

    /// Empties the queue and returns its reasons, e.g. `PKCS7 routines: digest failure`.
    /// These are OpenSSL's fixed strings (library and reason), never data from the document
    /// or a key, so they are safe to put in an error message.
    public static func drainReasons(limit: Int = 4) -> [String] {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            guard reasons.count < limit else { continue }
            let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(String(code, radix: 16))"
            let library = ERR_lib_error_string(code).map { String(cString: $0) }
            let text = library.map { "\($0): \(reason)" } ?? reason
            if !reasons.contains(text) { reasons.append(text) }
        }
        return reasons
    }
}

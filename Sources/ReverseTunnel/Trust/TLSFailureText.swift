import Foundation

/// A TLS failure in words a person reads: NIOSSL's errors carry BoringSSL's whole error queue,
/// where the alert's name is the part that says what happened.
enum TLSFailureText {
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if let alert = text.range(of: #"SSLV3_ALERT_[A-Z_]+|TLSV1_ALERT_[A-Z_]+"#, options: .regularExpression) {
            return "TLS alert \(text[alert])"
        }
        return text
    }
}

import Foundation

/// A TLS failure in words a person reads: NIOSSL's errors carry BoringSSL's whole error queue,
/// where the alert's name is the part that says what happened.
enum TLSFailureText {
    static func describe(_ error: any Error) -> String {
        alert(in: error).map { "TLS alert \($0)" } ?? "\(error)"
    }

    /// The name of the TLS alert the peer sent, if the failure is one: the peer's refusal, as
    /// opposed to a connection that merely broke.
    static func alert(in error: any Error) -> String? {
        let text = "\(error)"
        return text.range(of: #"SSLV3_ALERT_[A-Z_]+|TLSV1_ALERT_[A-Z_]+"#, options: .regularExpression).map { String(text[$0]) }
    }
}

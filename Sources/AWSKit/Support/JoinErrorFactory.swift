import Foundation
import JoinCore

/// The `JoinError`s several AWSKit files raise, worded once.
enum JoinErrorFactory {
    static func badURL(_ url: URL) -> JoinError {
        .badParameter("\(url.absoluteString) is not a usable AWS endpoint URL: it needs a scheme and a host, e.g. https://ec2.us-east-1.amazonaws.com")
    }
}

import AWSKit
import Foundation

/// SigV4 `Authorization` header values and `X-Amz-Date` timestamps, as a node sends them in
/// its signed STS request.
enum SigV4Fuzzing {
    static let authorization = FuzzTarget(
        "sigv4-authorization", maximumLength: 4096, fixtureSeeds: ["sigv4/aws4_testsuite"]
    ) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let parsed = try? SigV4Authorization(parsing: text) {
            _ = try? SigV4Authorization(parsing: parsed.headerValue)
            _ = parsed.description
        }
        _ = SigV4Timestamp.parse(text)
    }
}

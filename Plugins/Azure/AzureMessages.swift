import Foundation
import JoinCore

/// The `azure` method's one exchange: the Auth server sends its challenge (32 characters of
/// base64url, as bytes); the VM answers with ``Solution``, JSON.
enum AzureMessages {
    /// The most an answer may be: an attested document is about 8 KB, an access token about 2.
    static let maximumSolutionBytes = 64 * 1024

    struct Solution: Codable, Equatable {
        /// IMDS's answer to `/metadata/attested/document`, exactly as received (JSON with
        /// `encoding` and `signature`).
        var attestedData: String
        /// The managed identity's access token for `https://management.azure.com/`.
        var accessToken: String

        enum CodingKeys: String, CodingKey { case attestedData = "attested_data", accessToken = "access_token" }
    }

    static func decodeSolution(_ data: Data) throws -> Solution {
        guard data.count <= maximumSolutionBytes else {
            throw JoinError.badParameter("the azure answer is \(data.count) bytes; the limit is \(maximumSolutionBytes)")
        }
        do {
            return try JSONDecoder().decode(Solution.self, from: data)
        } catch {
            throw JoinError.badParameter("the azure answer is not JSON with attested_data and access_token")
        }
    }
}

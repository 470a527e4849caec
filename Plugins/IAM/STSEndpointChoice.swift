import AWSKit
import Foundation

/// Which STS host and signing region the node uses (spec §7.2): the regional endpoint
/// `sts.<region>.amazonaws.com` (`.amazonaws.com.cn` in China); with FIPS, `sts-fips.<region>`
/// in the four commercial US regions, the (FIPS) regional endpoint in GovCloud, and
/// `sts-fips.us-east-1` for every other region, which has no FIPS STS endpoint.
struct STSEndpointChoice: Sendable, Equatable {
    static let fipsCommercialRegions: Set<String> = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]
    static let govCloudRegions: Set<String> = ["us-gov-east-1", "us-gov-west-1"]

    let host: String
    /// The region the request is signed for (differs from the node's when FIPS moves it).
    let signingRegion: String
    /// True when FIPS moved the request to us-east-1.
    let movedForFIPS: Bool

    init(region: String, fips: Bool) throws {
        try AWSEndpointResolver.validateRegion(region)
        if fips {
            if Self.fipsCommercialRegions.contains(region) {
                self.init(host: "sts-fips.\(region).amazonaws.com", signingRegion: region, movedForFIPS: false)
            } else if Self.govCloudRegions.contains(region) {
                self.init(host: "sts.\(region).amazonaws.com", signingRegion: region, movedForFIPS: false)
            } else {
                self.init(host: "sts-fips.us-east-1.amazonaws.com", signingRegion: "us-east-1", movedForFIPS: true)
            }
        } else {
            let url = try AWSEndpointResolver.defaultEndpoint(for: .sts, region: region)
            self.init(host: url.host ?? "sts.\(region).amazonaws.com", signingRegion: region, movedForFIPS: false)
        }
    }

    init(host: String, signingRegion: String, movedForFIPS: Bool) {
        self.host = host
        self.signingRegion = signingRegion
        self.movedForFIPS = movedForFIPS
    }
}

import Foundation
import JoinCore

/// Chooses the URL an AWS client talks to, following the SDKs' configured-endpoint rules so
/// that a private endpoint or an emulator (moto, LocalStack) can be used without code changes:
/// `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_EC2`), then `AWS_ENDPOINT_URL`, then
/// the public endpoint `https://<service>.<region>.amazonaws.com` (`.amazonaws.com.cn` in
/// China regions). `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns the overrides off.
public struct AWSEndpointResolver: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func endpoint(for service: AWSService, region: String) throws -> URL {
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" {
            for variable in ["AWS_ENDPOINT_URL_\(service.environmentSuffix)", "AWS_ENDPOINT_URL"] {
                if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    return try Self.validated(value, from: variable)
                }
            }
        }
        return try Self.defaultEndpoint(for: service, region: region)
    }

    /// The public endpoint of `service` in `region`.
    public static func defaultEndpoint(for service: AWSService, region: String) throws -> URL {
        try validateRegion(region)
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return URL(string: "https://\(service.endpointPrefix).\(region).\(suffix)")!
    }

    /// Region names are lower-case letters, digits and dashes (`us-east-1`, `cn-north-1`); any
    /// other character could redirect a request to a host the region did not name.
    public static func validateRegion(_ region: String) throws {
        let allowed = region.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        guard !region.isEmpty, region.utf8.count <= 64, allowed, !region.hasPrefix("-"), !region.hasSuffix("-") else {
            throw JoinError.badParameter("\"\(region)\" is not an AWS region name (expected something like us-east-1): set AWS_REGION or the profile's region")
        }
    }

    static func validated(_ text: String, from variable: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw JoinError.badParameter("\(variable)=\(text) is not an http(s) URL with a host, e.g. https://ec2.us-east-1.amazonaws.com or http://127.0.0.1:5000")
        }
        return url
    }
}

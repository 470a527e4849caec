import Foundation

/// Finds the AWS region the way the SDKs do: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then
/// `region` in the chosen profile of the config file (`AWS_CONFIG_FILE`, `AWS_PROFILE`).
public struct AWSRegionResolver: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The region, or nil when none of the sources names one.
    public func region() throws -> String? {
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return value
            }
        }
        return try SharedConfigFiles(environment: environment).configuredRegion()
    }
}

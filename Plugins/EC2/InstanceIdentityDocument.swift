import Foundation
import JoinCore

/// The facts AWS states about an EC2 instance in its instance identity document (IID).
///
/// Only ``IdentityDocumentVerifier`` makes one from a document a client sent, and only from
/// the bytes the PKCS#7 signature covers: a separately sent copy of the JSON proves nothing.
/// Keys this type does not name are ignored, because AWS adds fields over time
/// (`billingProducts`, `marketplaceProductCodes`, ...); the four the join decision rests on
/// (`accountId`, `region`, `instanceId`, `pendingTime`) are required.
public struct InstanceIdentityDocument: Sendable, Equatable, Codable {
    /// The 12-digit AWS account that owns the instance.
    public var accountId: String
    /// The region the instance runs in, e.g. `us-west-2`; it chooses the signing certificate.
    public var region: String
    /// The instance ID, e.g. `i-078517ca8a70a1dde`.
    public var instanceId: String
    /// When the instance last entered the `pending` state (launch or start); the document's age
    /// is measured from here (`aws_iid_ttl`).
    public var pendingTime: Date
    public var availabilityZone: String?
    public var instanceType: String?
    public var imageId: String?
    public var privateIp: String?
    public var architecture: String?
    public var kernelId: String?
    public var ramdiskId: String?
    /// The document format version AWS writes, e.g. `2017-09-30`.
    public var version: String?

    public init(
        accountId: String, region: String, instanceId: String, pendingTime: Date,
        availabilityZone: String? = nil, instanceType: String? = nil, imageId: String? = nil,
        privateIp: String? = nil, architecture: String? = nil, kernelId: String? = nil,
        ramdiskId: String? = nil, version: String? = nil
    ) {
        self.accountId = accountId
        self.region = region
        self.instanceId = instanceId
        self.pendingTime = pendingTime
        self.availabilityZone = availabilityZone
        self.instanceType = instanceType
        self.imageId = imageId
        self.privateIp = privateIp
        self.architecture = architecture
        self.kernelId = kernelId
        self.ramdiskId = ramdiskId
        self.version = version
    }

    /// The host ID an instance joins under: `<accountId>-<instanceId>` (spec §6.2 step 3).
    public var hostID: String { "\(accountId)-\(instanceId)" }

    /// Decodes the JSON document AWS signed. Fails with AccessDenied "unable to decode
    /// Instance Identity Document" and the reason, as Teleport does for any undecodable document.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(InstanceIdentityDocument.self, from: json)
        } catch let error as JoinError {
            throw error
        } catch {
            throw EC2Errors.undecodableDocument("the signed content is not an instance identity document (\(Self.describe(error)))")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case accountId, region, instanceId, pendingTime, availabilityZone, instanceType, imageId
        case privateIp, architecture, kernelId, ramdiskId, version
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accountId = try Self.requiredText(.accountId, in: container)
        region = try Self.requiredText(.region, in: container)
        instanceId = try Self.requiredText(.instanceId, in: container)
        let pendingText = try Self.requiredText(.pendingTime, in: container)
        guard let pending = RFC3339.parse(pendingText) else {
            throw EC2Errors.undecodableDocument("pendingTime \"\(UntrustedString.sanitize(pendingText))\" is not an RFC 3339 time")
        }
        pendingTime = pending
        availabilityZone = try container.decodeIfPresent(String.self, forKey: .availabilityZone)
        instanceType = try container.decodeIfPresent(String.self, forKey: .instanceType)
        imageId = try container.decodeIfPresent(String.self, forKey: .imageId)
        privateIp = try container.decodeIfPresent(String.self, forKey: .privateIp)
        architecture = try container.decodeIfPresent(String.self, forKey: .architecture)
        kernelId = try container.decodeIfPresent(String.self, forKey: .kernelId)
        ramdiskId = try container.decodeIfPresent(String.self, forKey: .ramdiskId)
        version = try container.decodeIfPresent(String.self, forKey: .version)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accountId, forKey: .accountId)
        try container.encode(region, forKey: .region)
        try container.encode(instanceId, forKey: .instanceId)
        try container.encode(RFC3339.format(pendingTime), forKey: .pendingTime)
        try container.encodeIfPresent(availabilityZone, forKey: .availabilityZone)
        try container.encodeIfPresent(instanceType, forKey: .instanceType)
        try container.encodeIfPresent(imageId, forKey: .imageId)
        try container.encodeIfPresent(privateIp, forKey: .privateIp)
        try container.encodeIfPresent(architecture, forKey: .architecture)
        try container.encodeIfPresent(kernelId, forKey: .kernelId)
        try container.encodeIfPresent(ramdiskId, forKey: .ramdiskId)
        try container.encodeIfPresent(version, forKey: .version)
    }

    private static func requiredText(_ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws -> String {
        guard let value = try container.decodeIfPresent(String.self, forKey: key), !value.isEmpty else {
            throw EC2Errors.undecodableDocument("\(key.stringValue) is missing or empty")
        }
        return value
    }

    /// Names the JSON problem without echoing the document.
    private static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .keyNotFound(_, let context)?:
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "unexpected JSON shape" : "unexpected value at \(path)"
        case .dataCorrupted?:
            return "not valid JSON"
        default:
            return "not valid JSON"
        }
    }
}

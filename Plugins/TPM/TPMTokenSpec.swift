import Foundation
import JoinCore
import SwiftASN1
import X509

/// A token's `spec.tpm` section (Teleport's): `ekcert_allowed_cas`, PEM certificates of the CAs
/// whose EK certificates are trusted (each one a trust anchor on its own, the manufacturer's
/// issuing CA included), and `allow` rules, each an `ek_public_hash` and/or an
/// `ek_certificate_serial` (with a `description` for people). A TPM joins when its EK
/// certificate chains to an allowed CA (if any are listed) and one rule matches exactly.
public struct TPMTokenSpec: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var description: String
        public var ekPublicHash: String
        public var ekCertificateSerial: String

        func matches(_ endorsement: EndorsementKey) -> Bool {
            if !ekPublicHash.isEmpty && ekPublicHash != endorsement.publicHash { return false }
            if !ekCertificateSerial.isEmpty && ekCertificateSerial != (endorsement.certificateSerial ?? "") { return false }
            return true
        }
    }

    /// The allowed CAs, DER.
    public var allowedCAs: [Data]
    public var allow: [Rule]

    static let sectionKey = "tpm"

    public init(of token: ProvisionToken) throws {
        guard let section = token.spec.methodSections[Self.sectionKey], section != .null else {
            throw JoinError.badParameter("\"tpm\" configuration must be provided for the join method \"tpm\"")
        }
        let written = try section.decode(Written.self, path: "spec.tpm")
        allowedCAs = try (written.ekcertAllowedCAs ?? []).enumerated().map { index, pem in
            try Self.certificate(pem, index: index)
        }
        let rules = written.allow ?? []
        guard !rules.isEmpty else { throw JoinError.badParameter("allow: at least one rule must be set") }
        allow = try rules.enumerated().map { index, rule in
            let hash = rule.ekPublicHash ?? "", serial = rule.ekCertificateSerial ?? ""
            guard !hash.isEmpty || !serial.isEmpty else {
                throw JoinError.badParameter("allow[\(index)]: at least one of ['ek_public_hash', 'ek_certificate_serial'] must be set")
            }
            // Departure from Teleport: a certificate no CA vouches for can carry any serial, with
            // the joiner's own key (whose credential it can then activate without a TPM).
            guard serial.isEmpty || !hash.isEmpty || !(written.ekcertAllowedCAs ?? []).isEmpty else {
                throw JoinError.badParameter(
                    "allow[\(index)]: ek_certificate_serial needs ekcert_allowed_cas (or an ek_public_hash in the same rule): "
                        + "an EK certificate that no allowed CA issued can carry any serial")
            }
            return Rule(description: rule.description ?? "", ekPublicHash: hash, ekCertificateSerial: serial)
        }
    }

    private static func certificate(_ pem: String, index: Int) throws -> Data {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw JoinError.badParameter("ekcert_allowed_cas[\(index)]: no pem block found")
        }
        guard document.discriminator == "CERTIFICATE" else {
            throw JoinError.badParameter("ekcert_allowed_cas[\(index)]: pem block is not 'CERTIFICATE' type")
        }
        do {
            _ = try Certificate(derEncoded: document.derBytes)
        } catch {
            throw JoinError.badParameter("ekcert_allowed_cas[\(index)]: parsing certificate: \(error)")
        }
        return Data(document.derBytes)
    }

    /// The first rule `endorsement` matches.
    func firstMatch(_ endorsement: EndorsementKey) -> Rule? {
        allow.first { $0.matches(endorsement) }
    }

    struct Written: Decodable {
        struct RuleFields: Decodable {
            var description: String?
            var ekPublicHash: String?
            var ekCertificateSerial: String?

            enum CodingKeys: String, CodingKey, CaseIterable {
                case description, ekPublicHash = "ek_public_hash", ekCertificateSerial = "ek_certificate_serial"
            }

            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                description = try c.decodeIfPresent(String.self, forKey: .description)
                ekPublicHash = try c.decodeIfPresent(String.self, forKey: .ekPublicHash)
                ekCertificateSerial = try c.decodeIfPresent(String.self, forKey: .ekCertificateSerial)
            }
        }

        var ekcertAllowedCAs: [String]?
        var allow: [RuleFields]?

        enum CodingKeys: String, CodingKey, CaseIterable { case ekcertAllowedCAs = "ekcert_allowed_cas", allow }

        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ekcertAllowedCAs = try c.decodeIfPresent([String].self, forKey: .ekcertAllowedCAs)
            allow = try c.decodeIfPresent([RuleFields].self, forKey: .allow)
        }
    }
}

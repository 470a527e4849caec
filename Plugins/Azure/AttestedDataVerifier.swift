import Foundation
import JoinCore
import OpenSSLKit
import X509

/// Checks the attested data a VM fetched from IMDS (`/metadata/attested/document`):
/// `{"encoding":"pkcs7","signature":"<base64 DER>"}`, a PKCS#7 SignedData over a JSON document
/// with the `nonce` the VM asked for, its `vmId` and `subscriptionId`. The signature must
/// verify, its certificate chain to ``AttestationTrust`` at the time of the join, and the
/// signer be Azure's metadata service (common name `metadata.azure.com`, or the national
/// clouds' names, or a subdomain of one). Only then is any fact read.
struct AttestedDataVerifier: Sendable {
    /// A genuine document is about 8 KB; anything past this is refused unread.
    static let maximumBytes = 32 * 1024
    /// The common names (and their subdomains) the signer may have, as Teleport allows.
    static let signerNames = ["metadata.azure.com", "metadata.azure.us", "metadata.azure.cn", "metadata.microsoftazure.de"]

    let trust: AttestationTrust
    let issuers: IssuerCertificateFetcher

    /// The facts Azure signed.
    struct Document: Sendable, Equatable {
        var nonce: String
        var vmID: String
        var subscriptionID: String
    }

    func verify(_ text: String, at now: Date) async throws -> Document {
        guard text.utf8.count <= Self.maximumBytes else {
            throw AzureErrors.attestedData("it is \(text.utf8.count) bytes, more than the \(Self.maximumBytes) an attested document can be")
        }
        struct Envelope: Decodable { var encoding: String?; var signature: String? }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(text.utf8)) else {
            throw AzureErrors.attestedData("it is not the JSON IMDS answers with (encoding, signature)")
        }
        guard envelope.encoding == "pkcs7" else {
            throw AzureErrors.attestedData("unsupported signature type: \(UntrustedString.quoted(envelope.encoding ?? ""))")
        }
        let compact = (envelope.signature ?? "").filter { !$0.isWhitespace }
        guard !compact.isEmpty, let der = Data(base64Encoded: compact) else {
            throw AzureErrors.attestedData("unable to decode attested data document (the signature is not base64)")
        }
        let verified: SignedDataChainVerifier.Verified
        do {
            let fetched = await issuingCertificates(of: der)
            verified = try SignedDataChainVerifier(anchors: trust.anchors, intermediates: trust.intermediates)
                .verify(der, at: now, moreIntermediates: fetched)
        } catch let failure as SignedDataChainVerifier.Failure {
            throw AzureErrors.attestedData("\(failure.reason) (trust: \(trust.source))")
        }
        let signerName = try Self.commonName(of: verified.signer)
        guard Self.isAzureMetadataService(signerName) else {
            throw AzureErrors.attestedData("certificate common name does not match allow-list (\(UntrustedString.quoted(signerName)))")
        }
        struct Content: Decodable { var nonce: String?; var vmId: String?; var subscriptionId: String? }
        guard let content = try? JSONDecoder().decode(Content.self, from: verified.content),
              let nonce = content.nonce, let vmID = content.vmId, !vmID.isEmpty,
              let subscription = content.subscriptionId, !subscription.isEmpty else {
            throw AzureErrors.attestedData("the signed document lacks nonce, vmId or subscriptionId")
        }
        return Document(nonce: nonce, vmID: vmID, subscriptionID: subscription)
    }

    /// Issuing CAs of the embedded certificates that claim to be Azure's, fetched from their
    /// AIA URLs (see ``IssuerCertificateFetcher``); empty when there is nothing to fetch.
    private func issuingCertificates(of der: Data) async -> [Data] {
        guard let embedded = try? SignedDataChainVerifier.embeddedCertificates(der) else { return [] }
        var fetched: [Data] = [], attempts = 0
        for certificateDER in embedded {
            guard let certificate = try? Certificate(derEncoded: Array(certificateDER)),
                  let name = try? Self.commonName(of: certificateDER), Self.isAzureMetadataService(name),
                  let access = try? certificate.extensions.authorityInformationAccess else { continue }
            for description in access where description.method == .issuingCA {
                guard attempts < IssuerCertificateFetcher.maximumPerDocument else { return fetched }
                guard case .uniformResourceIdentifier(let text) = description.location, let url = URL(string: text),
                      IssuerCertificateFetcher.isAllowed(url) else { continue }
                attempts += 1
                if let issuer = await issuers.certificate(at: url) { fetched.append(issuer) }
            }
        }
        return fetched
    }

    static func commonName(of der: Data) throws -> String {
        guard let certificate = try? Certificate(derEncoded: Array(der)) else {
            throw AzureErrors.attestedData("the signer certificate cannot be read")
        }
        return certificate.subject.flatMap { $0 }
            .first { $0.type == .RDNAttributeType.commonName }.flatMap { String($0.value) } ?? ""
    }

    static func isAzureMetadataService(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return signerNames.contains { lowered == $0 || lowered.hasSuffix("." + $0) }
    }
}

import Foundation
import JoinCore

/// The value of a SigV4 `Authorization` header:
/// `AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=<a;b>, Signature=<hex>`.
///
/// A server verifying a client-signed request parses it to learn the scope and the signed
/// headers; its `description` leaves the signature out so it can be logged safely.
public struct SigV4Authorization: Sendable, Equatable, CustomStringConvertible {
    public let accessKeyID: String
    public let scope: SigV4CredentialScope
    /// Lower-case header names, in the order given.
    public let signedHeaderNames: [String]
    /// Lower-case hex signature. Never log it.
    public let signature: String

    public init(accessKeyID: String, scope: SigV4CredentialScope, signedHeaderNames: [String], signature: String) {
        self.accessKeyID = accessKeyID
        self.scope = scope
        self.signedHeaderNames = signedHeaderNames
        self.signature = signature
    }

    /// Parses a header value; the error names the part that is wrong, never the value.
    public init(parsing headerValue: String) throws {
        let prefix = SigV4Signer.algorithm + " "
        guard headerValue.hasPrefix(prefix) else {
            throw JoinError.badParameter("the Authorization header is not a SigV4 (\(SigV4Signer.algorithm)) authorization")
        }
        var fields: [String: String] = [:]
        for part in headerValue.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw JoinError.badParameter("the SigV4 Authorization header has a part without '='")
            }
            let name = String(trimmed[..<equals])
            guard fields[name] == nil else {
                throw JoinError.badParameter("the SigV4 Authorization header repeats \(name)")
            }
            fields[name] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
              let signature = fields["Signature"], fields.count == 3 else {
            throw JoinError.badParameter("the SigV4 Authorization header needs exactly Credential, SignedHeaders and Signature")
        }
        let credentialParts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard credentialParts.count == 5, credentialParts[4] == "aws4_request",
              credentialParts[1].count == 8, credentialParts.allSatisfy({ !$0.isEmpty }) else {
            throw JoinError.badParameter("the SigV4 credential is not <key id>/<yyyymmdd>/<region>/<service>/aws4_request")
        }
        let names = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard !names.contains(where: \.isEmpty) else {
            throw JoinError.badParameter("the SigV4 SignedHeaders list has an empty name")
        }
        guard signature.count == 64, signature.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw JoinError.badParameter("the SigV4 signature is not 64 lower-case hex digits")
        }
        self.init(accessKeyID: credentialParts[0],
                  scope: SigV4CredentialScope(day: credentialParts[1], region: credentialParts[2], service: credentialParts[3]),
                  signedHeaderNames: names, signature: signature)
    }

    /// The header value.
    public var headerValue: String {
        "\(SigV4Signer.algorithm) Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaderNames.joined(separator: ";")), Signature=\(signature)"
    }

    public var description: String {
        "\(SigV4Signer.algorithm) Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaderNames.joined(separator: ";"))"
    }
}

import Crypto
import Foundation
import JoinCore

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), the header form.
///
/// The signer is a value with a few options because services differ in small ways (S3 neither
/// normalises nor re-encodes paths; some services want the session token left out of the
/// signature). Each step of the algorithm is public — ``SigV4CanonicalRequest``,
/// ``stringToSign(canonicalRequest:date:scope:)``, ``signature(stringToSign:secretAccessKey:scope:)`` —
/// so a server can recompute what a client signed. Nothing here logs, and no error it throws
/// contains a key, token or signature.
public struct SigV4Signer: Sendable {
    /// The variations between AWS services.
    public struct Options: Sendable, Equatable {
        /// Remove `.`/`..` segments and repeated slashes from the path (every service but S3).
        public var normalizesPath: Bool
        /// Percent-encode the (already encoded) path once more (every service but S3).
        public var uriEncodesPath: Bool
        /// Where the session token of temporary credentials goes.
        public var sessionTokenPlacement: SessionTokenPlacement

        public init(normalizesPath: Bool = true, uriEncodesPath: Bool = true,
                    sessionTokenPlacement: SessionTokenPlacement = .signedHeader) {
            self.normalizesPath = normalizesPath
            self.uriEncodesPath = uriEncodesPath
            self.sessionTokenPlacement = sessionTokenPlacement
        }

        /// The rules for Amazon S3: paths signed exactly as sent.
        public static let s3 = Options(normalizesPath: false, uriEncodesPath: false)
    }

    /// Where `X-Amz-Security-Token` goes when the credentials carry a session token.
    public enum SessionTokenPlacement: Sendable, Equatable {
        /// Added before signing and covered by the signature (what STS, EC2 and most services expect).
        case signedHeader
        /// Added after signing, outside the signature (a few older services).
        case headerAddedAfterSigning
    }

    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let dateHeader = "X-Amz-Date"
    public static let securityTokenHeader = "X-Amz-Security-Token"

    public var options: Options

    public init(options: Options = .init()) {
        self.options = options
    }

    /// Signs `request` in place: sets `X-Amz-Date` (and `X-Amz-Security-Token` for temporary
    /// credentials), then `Authorization`, replacing any earlier values of those headers.
    ///
    /// - Returns: the intermediate values, for callers that need to show or compare them.
    ///   They contain the signature: never log them.
    @discardableResult
    public func sign(_ request: inout SignableRequest, credentials: AWSCredentials, region: String,
                     service: String, date: Date) throws -> SigV4SigningResult {
        request.headers.remove(name: "Authorization")
        request.headers.replaceOrAdd(name: Self.dateHeader, value: SigV4Timestamp.format(date))
        if let token = credentials.sessionToken, options.sessionTokenPlacement == .signedHeader {
            request.headers.replaceOrAdd(name: Self.securityTokenHeader, value: token)
        } else if credentials.sessionToken != nil {
            request.headers.remove(name: Self.securityTokenHeader)
        }
        let scope = SigV4CredentialScope(date: date, region: region, service: service)
        let canonical = try SigV4CanonicalRequest(request: request, options: options)
        let stringToSign = stringToSign(canonicalRequest: canonical, date: date, scope: scope)
        let signature = signature(stringToSign: stringToSign, secretAccessKey: credentials.secretAccessKey, scope: scope)
        let authorization = SigV4Authorization(accessKeyID: credentials.accessKeyID, scope: scope,
                                               signedHeaderNames: canonical.signedHeaderNames, signature: signature)
        request.headers.replaceOrAdd(name: "Authorization", value: authorization.headerValue)
        if let token = credentials.sessionToken, options.sessionTokenPlacement == .headerAddedAfterSigning {
            request.headers.replaceOrAdd(name: Self.securityTokenHeader, value: token)
        }
        return SigV4SigningResult(canonicalRequest: canonical, stringToSign: stringToSign, authorization: authorization)
    }

    /// Task 2: the string to sign for a canonical request.
    public func stringToSign(canonicalRequest: SigV4CanonicalRequest, date: Date, scope: SigV4CredentialScope) -> String {
        [Self.algorithm, SigV4Timestamp.format(date), scope.description, canonicalRequest.hash].joined(separator: "\n")
    }

    /// Tasks 3 and 4: the signing key derived from the secret and scope, and the lower-case
    /// hex HMAC-SHA256 of the string to sign under it.
    public func signature(stringToSign: String, secretAccessKey: String, scope: SigV4CredentialScope) -> String {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [scope.day, scope.region, scope.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)).hexString
    }
}

/// What signing produced: the canonical request, the string to sign and the `Authorization`
/// header. Holds a signature, so its description leaves that out.
public struct SigV4SigningResult: Sendable, CustomStringConvertible {
    public let canonicalRequest: SigV4CanonicalRequest
    public let stringToSign: String
    public let authorization: SigV4Authorization

    public var description: String {
        "SigV4SigningResult(scope: \(authorization.scope), signedHeaders: \(canonicalRequest.signedHeaders))"
    }
}

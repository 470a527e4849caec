import Foundation
import JoinCore
@testable import OIDCKit
import XCTest

/// The two documents an issuer serves, read as the Auth server reads them: malformed,
/// oversized and misleading ones are refused with what was wrong.
final class IssuerDocumentParsingTests: XCTestCase {
    private let issuer = "https://issuer.example.com"

    private func metadataError(_ text: String) -> JoinError? {
        do {
            _ = try ProviderMetadata(document: Array(text.utf8), expectedIssuer: issuer)
            XCTFail("accepted: \(text)")
            return nil
        } catch {
            return error as? JoinError
        }
    }

    func testDiscoveryDocuments() throws {
        let good = try ProviderMetadata(document: Array(#"{"issuer":"https://issuer.example.com","jwks_uri":"https://keys.example.com/jwks"}"#.utf8),
                                        expectedIssuer: issuer)
        XCTAssertEqual(good.jwksURL.absoluteString, "https://keys.example.com/jwks")
        XCTAssertEqual(ProviderMetadata.discoveryURL(for: issuer + "/")?.absoluteString, issuer + "/.well-known/openid-configuration")

        let cases: [(String, String)] = [
            ("<html>", "is not a JSON object"),
            ("[]", "is not a JSON object"),
            (#"{"jwks_uri":"https://keys.example.com/jwks"}"#, "has no \"issuer\""),
            (#"{"issuer":"https://evil.example.com","jwks_uri":"https://keys.example.com/jwks"}"#, "names another issuer, \"https://evil.example.com\""),
            (#"{"issuer":"https://issuer.example.com/","jwks_uri":"https://keys.example.com/jwks"}"#, "names another issuer"),
            (#"{"issuer":"https://issuer.example.com","jwks_uri":"http://keys.example.com/jwks"}"#, "has no https:// \"jwks_uri\""),
            (#"{"issuer":"https://issuer.example.com"}"#, "has no https:// \"jwks_uri\""),
        ]
        for (text, expected) in cases {
            let error = metadataError(text)
            XCTAssertEqual(error?.kind, .unavailable, text)
            XCTAssertTrue(error?.message.contains(expected) == true, "\(text): \(error?.message ?? "")")
        }
        // With plain HTTP allowed (generic_oidc's insecure_allow_http_issuer), an http jwks_uri is read.
        let http = try ProviderMetadata(document: Array(#"{"issuer":"https://issuer.example.com","jwks_uri":"http://keys.example.com/jwks"}"#.utf8),
                                        expectedIssuer: issuer, allowsHTTP: true)
        XCTAssertEqual(http.jwksURL.scheme, "http")
    }

    func testKeySets() throws {
        let ec = #"{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#
        let mixed = try KeySet(jwks: Array(#"{"keys":[\#(ec),{"kty":"RSA","use":"enc","kid":"e1","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}"#.utf8))
        XCTAssertEqual(mixed.keys.map(\.keyID), ["k1"], "encryption and HMAC keys are skipped, not used")
        XCTAssertEqual(mixed.keys.first?.algorithms, [.es256])

        let cases: [(String, String)] = [
            ("not json", "the JWKS is not a JSON object"),
            (#"{"keys":{}}"#, "the JWKS has no \"keys\" list"),
            (#"{"keys":[]}"#, "has no signing key of a supported type"),
            (#"{"keys":["k"]}"#, "the JWKS key at index 0 is not a JSON object"),
            (#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k2","x":"AAAA","y":"AAAA"}]}"#, "key \"k2\" is not a valid EC key"),
            (#"{"keys":[{"kty":"RSA","kid":"r1","e":"AQAB"}]}"#, "key \"r1\" has no \"n\""),
            (#"{"keys":[{"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"}]}"#, "key \"small\" is not a valid RSA key"),
            (String(repeating: " ", count: KeySet.maximumBytes + 1), "the JWKS is \(KeySet.maximumBytes + 1) bytes; the most accepted is \(KeySet.maximumBytes)"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try KeySet(jwks: Array(text.utf8)), String(text.prefix(40))) { error in
                XCTAssertEqual((error as? JoinError)?.kind, .badParameter)
                XCTAssertTrue((error as? JoinError)?.message.contains(expected) == true, "\(text.prefix(40)): \(error)")
            }
        }
    }
}

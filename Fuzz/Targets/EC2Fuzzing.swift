import EC2Join
import Foundation
import JoinCore

/// The `ec2` method's initial payload: an instance identity document as IMDS serves it
/// (base64 of a BER PKCS#7 SignedData), read by system OpenSSL before any signature check.
enum EC2Fuzzing {
    /// The AWS region certificates bundled with the plugin, read once.
    static let verifier: IdentityDocumentVerifier? = {
        guard let certificates = try? RegionCertificates(overrideDirectory: nil) else { return nil }
        return IdentityDocumentVerifier(certificates: certificates)
    }()

    /// Checks `payload` as the Auth server does with `ClientInit.method_payload`.
    static func verify(_ payload: Data) {
        guard let verifier else { preconditionFailure("the bundled AWS region certificates did not load") }
        _ = try? verifier.verify(payload)
    }

    /// The payload exactly as the client sends it (base64 text, line breaks allowed), and the
    /// same bytes as the signed JSON document, whose decoder runs after a good signature.
    static let identityDocument = FuzzTarget(
        "ec2-iid", maximumLength: 8192,
        fixtureSeeds: ["aws-iid/teleport-rsa2048-2021", "aws-iid/smallstep-2017-us-west-1"],
        setUp: { _ = verifier }
    ) { bytes in
        verify(Data(bytes))
        _ = try? InstanceIdentityDocument(json: Data(bytes))
    }

    /// The DER under the base64, so that mutations reach OpenSSL's PKCS#7 parser directly.
    static let pkcs7 = FuzzTarget("ec2-pkcs7-der", maximumLength: 8192, setUp: { _ = verifier }) { bytes in
        verify(Data(Data(bytes).base64EncodedString().utf8))
    }
}

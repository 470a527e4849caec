import AWSKit
import Foundation

/// The verified identity in STS's answer to GetCallerIdentity (spec §7.3 step 10).
///
/// Real STS honours the node's signed `Accept: application/json` and answers
/// `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":…,"Arn":…}}}`; emulators
/// and some endpoints answer the query protocol's XML. Both are read; the account and ARN
/// must be present, non-empty and printable.
struct STSCallerIdentityAnswer: Sendable, Equatable {
    let account: String
    let arn: String

    static func parse(_ body: [UInt8]) throws -> STSCallerIdentityAnswer {
        let firstSignificant = body.first { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }
        let account: String?, arn: String?
        if firstSignificant == UInt8(ascii: "{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw IAMErrors.stsAnswerWithoutIdentity("the JSON answer cannot be read")
            }
            let result = (object["GetCallerIdentityResponse"] as? [String: Any])?["GetCallerIdentityResult"] as? [String: Any]
            account = result?["Account"] as? String
            arn = result?["Arn"] as? String
        } else {
            let root: AWSXMLElement
            do {
                root = try AWSXMLElement(parsingXML: body)
            } catch {
                throw IAMErrors.stsAnswerWithoutIdentity("the answer is neither JSON nor well-formed XML")
            }
            let result = root.child("GetCallerIdentityResult")
            account = result?.text(at: "Account")
            arn = result?.text(at: "Arn")
        }
        guard let account, let arn, isUsable(account), isUsable(arn) else {
            throw IAMErrors.stsAnswerWithoutIdentity("GetCallerIdentityResult has no Account or Arn")
        }
        return STSCallerIdentityAnswer(account: account, arn: arn)
    }

    private static func isUsable(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 2048 && text.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }
}

import AWSKit
import Foundation
import JoinCore

/// The STS endpoints the Auth server will forward a node's signed request to (spec §7.3 steps
/// 3–4), kept as data in `Resources/sts-endpoints.txt`: one host per line, `fips` after the
/// hosts accepted when `auth_service.aws.fips` is true.
///
/// This list is what makes the IAM method safe: the node chooses the `Host` of the request it
/// signs, and an Auth server that forwarded to any host would ask an attacker's server who the
/// node is. A host not listed is refused before any connection is made.
package struct STSHostAllowList: Sendable {
    struct Entry: Sendable, Equatable {
        let host: String
        let fips: Bool
    }

    let entries: [Entry]

    /// Reads the list format; `origin` names the source in errors.
    init(text: String, origin: String) throws {
        var entries: [Entry] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard !fields.isEmpty else { continue }
            guard fields.count <= 2, fields.count == 1 || fields[1] == "fips",
                  fields[0].utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 46 }) else {
                throw JoinError.internalError("\(origin) line \(number + 1): expected \"<lower-case hostname> [fips]\"")
            }
            entries.append(Entry(host: fields[0], fips: fields.count == 2))
        }
        guard !entries.isEmpty else { throw JoinError.internalError("\(origin) lists no STS endpoints") }
        self.entries = entries
    }

    /// Whether `host` may be forwarded to; with `fipsOnly`, only the FIPS set. Exact comparison:
    /// no case folding, no ports, no trailing dot.
    func allows(_ host: String, fipsOnly: Bool) -> Bool {
        entries.contains { $0.host == host && (!fipsOnly || $0.fips) }
    }

    func isListed(_ host: String) -> Bool { entries.contains { $0.host == host } }

    var hosts: [String] { entries.map(\.host) }
    var fipsHosts: [String] { entries.filter(\.fips).map(\.host) }

    // MARK: The bundled list

    static let resourceName = "sts-endpoints.txt"
    static let bundleNames = BundledResources.bundleNames(target: "IAMJoin")

    /// The list shipped with the plugin, or why it could not be read. Computed on first use; an
    /// Auth server without it still starts, and IAM joins then fail with this reason.
    package static let bundled: Result<STSHostAllowList, JoinError> = {
        guard let url = BundledResources.locate(resourceName, inBundlesNamed: bundleNames) else {
            return .failure(.internalError(
                "the bundled STS endpoint list \(resourceName) was not found (\(BundledResources.searchDescription(bundleNames))); install the IAMJoin resource bundle beside the executable"))
        }
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return .success(try STSHostAllowList(text: text, origin: url.path))
        } catch let error as JoinError {
            return .failure(error)
        } catch {
            return .failure(.internalError("the bundled STS endpoint list \(url.path) cannot be read: \(error)"))
        }
    }()
}

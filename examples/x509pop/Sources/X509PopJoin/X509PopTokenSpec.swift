import Foundation
import JoinCore

/// A token's `spec.x509pop` section: which host certificates, among those the configured CA
/// issued, may use the token.
///
/// ```yaml
/// spec:
///   join_method: x509pop
///   x509pop:                       # optional
///     allow:                       # optional; absent: any certificate the CA issued
///       - common_name: web-1.example.com
///       - common_name: "build-*"   # * stands for any run of characters
/// ```
///
/// Read strictly: an unknown key, a value of the wrong type, an empty list, an empty rule or an
/// empty common name is an error naming the field, so a misspelt rule never silently widens
/// (or narrows) who may join.
public struct X509PopTokenSpec: Sendable, Equatable {
    public static let maximumRules = 64
    public static let maximumPatternLength = 256

    /// The allowed common names; `nil` when the token does not restrict them.
    public var allow: [CommonNamePattern]?

    public init(allow: [CommonNamePattern]? = nil) {
        self.allow = allow
    }

    static let path = "spec.\(X509Pop.tokenSection)"

    /// The section of `token`; a token without one allows any certificate the CA issued.
    public init(of token: ProvisionToken) throws {
        guard let section = token.spec.methodSections[X509Pop.tokenSection] else {
            self.init()
            return
        }
        try self.init(section: section)
    }

    public init(section: JSONValue) throws {
        guard case .object(let fields) = section else {
            throw X509PopErrors.tokenSection("\(Self.path): expected a map (with an optional allow list)")
        }
        for key in fields.keys.sorted() where key != "allow" {
            throw X509PopErrors.tokenSection("unknown field \"\(Self.path).\(UntrustedString.sanitize(key))\"")
        }
        guard let allow = fields["allow"] else {
            self.init()
            return
        }
        guard case .array(let rules) = allow else {
            throw X509PopErrors.tokenSection("\(Self.path).allow: expected a list of rules such as - common_name: web-*")
        }
        guard !rules.isEmpty else {
            throw X509PopErrors.tokenSection(
                "\(Self.path).allow: the list is empty; list at least one rule, or remove allow to admit any certificate the CA issued")
        }
        guard rules.count <= Self.maximumRules else {
            throw X509PopErrors.tokenSection("\(Self.path).allow: \(rules.count) rules, at most \(Self.maximumRules) are allowed")
        }
        self.init(allow: try rules.enumerated().map { index, rule in try Self.rule(rule, path: "\(Self.path).allow[\(index)]") })
    }

    private static func rule(_ rule: JSONValue, path: String) throws -> CommonNamePattern {
        guard case .object(let fields) = rule else {
            throw X509PopErrors.tokenSection("\(path): expected a map such as common_name: web-*")
        }
        for key in fields.keys.sorted() where key != "common_name" {
            throw X509PopErrors.tokenSection("unknown field \"\(path).\(UntrustedString.sanitize(key))\"")
        }
        guard let value = fields["common_name"] else {
            throw X509PopErrors.tokenSection("\(path).common_name: required")
        }
        guard case .string(let text) = value else {
            throw X509PopErrors.tokenSection("\(path).common_name: expected a string")
        }
        guard !text.isEmpty else {
            throw X509PopErrors.tokenSection("\(path).common_name: must not be empty")
        }
        guard text.count <= maximumPatternLength else {
            throw X509PopErrors.tokenSection("\(path).common_name: longer than \(maximumPatternLength) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw X509PopErrors.tokenSection("\(path).common_name: must not contain control characters")
        }
        return CommonNamePattern(text)
    }

    /// Whether a certificate with `commonName` (nil: it has none) may use the token.
    public func admits(commonName: String?) -> Bool {
        guard let allow else { return true }
        guard let commonName else { return false }
        return allow.contains { $0.matches(commonName) }
    }
}

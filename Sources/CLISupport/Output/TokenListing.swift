import CLIKit
import Foundation
import JoinCore

/// `tctl tokens ls` (spec §2.2): dynamic and static tokens, soonest expiry first.
///
/// A token whose name is its secret (the `token` method, static tokens) is shown masked with
/// ``JoinCore/SafeName/mask(_:)`` unless `--with-secrets`, in every format; tokens of other
/// methods (`ec2`, `iam`, …) have public names and are shown as they are.
public struct TokenListing: Sendable {
    public var tokens: [ProvisionToken]
    /// `--with-secrets`: show secret names in full.
    public var withSecrets: Bool
    private let nameIsSecret: @Sendable (ProvisionToken) -> Bool

    public static let emptyMessage = "No active tokens found.\n"
    public static let headers = ["Token", "Type", "Labels", "Expiry Time (UTC)"]

    /// - Parameter nameIsSecret: whether a token's name is its secret; ask the token's join
    ///   method (``JoinCore/JoinMethod/tokenNameIsSecret``).
    public init(tokens: [ProvisionToken], withSecrets: Bool = false,
                nameIsSecret: @escaping @Sendable (ProvisionToken) -> Bool) {
        self.tokens = tokens
        self.withSecrets = withSecrets
        self.nameIsSecret = nameIsSecret
    }

    /// The name to print for `token`.
    public func displayName(_ token: ProvisionToken) -> String {
        SafeName.display(token, nameIsSecret: !withSecrets && nameIsSecret(token))
    }

    /// Tokens by expiry ascending; tokens that never expire first (Go's zero time sorts
    /// first), then by name so the order is stable.
    public var sortedTokens: [ProvisionToken] {
        tokens.sorted { left, right in
            let leftExpiry = left.metadata.expires ?? .distantPast
            let rightExpiry = right.metadata.expires ?? .distantPast
            if leftExpiry != rightExpiry { return leftExpiry < rightExpiry }
            return left.metadata.name < right.metadata.name
        }
    }

    /// The output for `--format`; `now` feeds the time-left text of the table.
    public func render(format: OutputFormat, now: Date) throws -> String {
        switch format {
        case .human: return table(now: now)
        case .text: return names()
        case .json: return try ResourceText.json(displayedTokens())
        case .yaml: return try ResourceText.yamlDocuments(displayedTokens())
        }
    }

    /// The default table, or ``emptyMessage``.
    public func table(now: Date) -> String {
        guard !tokens.isEmpty else { return TokenListing.emptyMessage }
        let rows = sortedTokens.map { token in
            [
                displayName(token),
                token.spec.roles.joinedNames,
                LabelsText.format(token.metadata.labels),
                ExpiryText.format(expires: token.metadata.expires, now: now),
            ]
        }
        return TextTable(headers: TokenListing.headers, rows: rows).render()
    }

    /// `--format text`: one name per line, or ``emptyMessage``.
    public func names() -> String {
        guard !tokens.isEmpty else { return TokenListing.emptyMessage }
        return sortedTokens.map { displayName($0) + "\n" }.joined()
    }

    /// The full resources with secret names masked (unless `--with-secrets`), for json/yaml.
    public func displayedTokens() -> [ProvisionToken] {
        sortedTokens.map { token in
            var shown = token
            shown.metadata.name = displayName(token)
            return shown
        }
    }
}

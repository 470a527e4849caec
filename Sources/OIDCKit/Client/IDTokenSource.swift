import Foundation
import JoinCore

/// Where a joiner gets its ID token: from its CI platform, a variable, a file or a command.
public protocol IDTokenSource: Sendable {
    /// An ID token, fetched or read afresh at each join.
    func idToken() async throws -> String
}

/// An ID token the platform put in an environment variable (GitLab's `id_tokens`,
/// CircleCI's `CIRCLE_OIDC_TOKEN_V2`, Bitbucket's `BITBUCKET_STEP_OIDC_TOKEN`, …).
public struct EnvironmentTokenSource: IDTokenSource {
    public let variables: [String]
    /// What to do when none is set, for the message (`add id_tokens: … to the job`).
    public let hint: String
    let environment: [String: String]

    /// - Parameter variables: read in order; the first that is set and non-empty is used.
    public init(variables: [String], hint: String, environment: [String: String]) {
        self.variables = variables
        self.hint = hint
        self.environment = environment
    }

    public func idToken() async throws -> String {
        for variable in variables {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return value
            }
        }
        throw JoinError.badParameter("\(variables.joined(separator: " or ")) environment variable missing: \(hint)")
    }
}

/// An ID token in a file (a projected token, a token another step wrote), read at each join.
public struct FileTokenSource: IDTokenSource {
    public static let maximumBytes = UnverifiedIDToken.maximumBytes
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func idToken() async throws -> String {
        let data: Data
        do {
            // At most one byte past the limit is read: a wrong path (/dev/zero, a log) is refused, not buffered.
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: Self.maximumBytes + 1) ?? Data()
        } catch {
            throw JoinError.badParameter("cannot read the ID token file \(path): \(FileErrorText.reason(error))")
        }
        guard data.count <= Self.maximumBytes, let text = String(data: data, encoding: .utf8) else {
            throw JoinError.badParameter("the ID token file \(path) is not a token (more than \(Self.maximumBytes) bytes, or not text)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw JoinError.badParameter("the ID token file \(path) is empty") }
        return token
    }
}

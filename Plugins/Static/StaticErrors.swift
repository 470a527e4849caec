import JoinCore

/// Every message the `static` method refuses with, worded once (docs/join-methods/static.md
/// lists them): an `auth_service.tokens` entry it cannot read, and a token document that asks
/// to be a static token. An entry is named by position, never by its value, which is a secret.
/// The method refuses no join itself: the pipeline's lookup and role checks word those.
enum StaticErrors {
    static func entryNotAString(index: Int) -> JoinError {
        .badParameter("auth_service.tokens[\(index)]: expected a string such as \"node:<token>\"")
    }

    static let tokensNotAList = JoinError.badParameter("auth_service.tokens: expected a list of \"roles:token\" strings")

    static let notAResource = JoinError.badParameter(
        "static tokens are configured in the Auth server's teleport.yaml (auth_service.tokens) and cannot be created as resources; use join_method: token instead")

    static func noColon(at place: String) -> JoinError {
        .badParameter("invalid static token spec at \(place): expected \"roles:token\" such as \"node,proxy:<token>\" or \"node:/path/to/file\"")
    }

    static func badRoles(at place: String, _ error: JoinError) -> JoinError {
        .badParameter("invalid static token spec at \(place): \(error.message)")
    }

    static func roleNotGrantable(at place: String, roles: [SystemRole], _ error: JoinError) -> JoinError {
        .badParameter("invalid static token spec at \(place) (roles \"\(roles.joinedNames)\"): \(error.message)")
    }

    static func botRole(at place: String) -> JoinError {
        .badParameter("invalid static token spec at \(place): static tokens cannot carry the Bot role; create a bot token with tctl instead")
    }

    static func emptyValue(at place: String) -> JoinError {
        .badParameter("invalid static token spec at \(place): the token value is empty")
    }

    /// `path` is the file's path, not a token: only the values inside the file are secret.
    static func unreadableFile(_ path: String, at place: String, reason: String) -> JoinError {
        .badParameter("cannot read the static token file \(path) named at \(place): \(reason)")
    }
}

import Foundation

/// What the strict decoder needs to know beyond the YAML itself, passed through
/// `Decoder.userInfo`: the `auth_service` keys that join-method plugins declared.
///
/// Plugin keys are legal only because a plugin asked for them, so the set travels with the
/// decode instead of being hard-coded in ``AuthServiceConfig``.
struct ConfigDecodingContext: Sendable {
    static let userInfoKey = CodingUserInfoKey(rawValue: "joinery.configDecodingContext")!

    var pluginAuthServiceKeys: Set<String>

    static func from(_ decoder: Decoder) -> ConfigDecodingContext {
        decoder.userInfo[userInfoKey] as? ConfigDecodingContext ?? ConfigDecodingContext(pluginAuthServiceKeys: [])
    }
}

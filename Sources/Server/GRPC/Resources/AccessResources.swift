import AccessControl
import Foundation
import JoinCore

/// `kind: role` for `tctl create/get/rm`: the stored roles over Teleport's presets.
struct RoleResources: AdminResourceCollection {
    let roles: RoleStore
    var kind: String { "role" }

    func create(json: Data, upsert: Bool) async throws -> AdminResource {
        let role = try Role(document: json)
        try await roles.put(role, upsert: upsert)
        return AdminResource(json: try role.jsonData())
    }

    func get(name: String) async throws -> AdminResource {
        guard let role = try await roles.get(name) else {
            throw JoinError.notFound("role \(UntrustedString.sanitize(name)) not found")
        }
        return AdminResource(json: try role.jsonData())
    }

    func list() async throws -> [AdminResource] {
        try await roles.list().map { AdminResource(json: try $0.jsonData()) }
    }

    func delete(name: String) async throws {
        try await roles.delete(name)
    }
}

/// `kind: user` for `tctl get users` and `tctl create` (Teleport's shape: `spec.roles`,
/// `spec.traits.logins`). Credentials are never part of the resource: a user created from a
/// file has none until `tctl users reset` sends an invite, and `tctl get` shows only whether
/// a password and an OTP device are set.
struct UserResources: AdminResourceCollection {
    let users: UserStore
    let enrollment: UserEnrollment
    var kind: String { "user" }

    /// The resource as Teleport writes it.
    struct Document: Codable {
        struct Metadata: Codable { var name: String }
        struct Traits: Codable { var logins: [String]? }
        struct Spec: Codable {
            var roles: [String]
            var traits: Traits?
            var createdBy: String?
            var status: Status?
            enum CodingKeys: String, CodingKey { case roles, traits, createdBy = "created_by", status }
        }
        struct Status: Codable {
            var passwordSet: Bool
            var otpEnrolled: Bool
            enum CodingKeys: String, CodingKey { case passwordSet = "password_set", otpEnrolled = "otp_enrolled" }
        }
        var kind = "user"
        var version = "v2"
        var metadata: Metadata
        var spec: Spec
    }

    func create(json: Data, upsert: Bool) async throws -> AdminResource {
        let document = try decode(Document.self, from: json)
        guard document.kind == "user" else { throw JoinError.badParameter("expected kind user") }
        let name = document.metadata.name
        try UserAccount.validate(name: name)
        let logins = document.spec.traits?.logins ?? []
        for login in logins { try UserAccount.validate(login: login) }
        if upsert, try await users.get(name) != nil {
            let updated = try await users.update(name) { user in
                user.roles = document.spec.roles
                user.logins = logins
            }
            return AdminResource(json: try encode(Self.document(updated)))
        }
        let account = UserAccount(name: name, roles: document.spec.roles, logins: logins, createdAt: Date(), createdBy: "tctl create")
        try await users.create(account)
        return AdminResource(json: try encode(Self.document(account)))
    }

    func get(name: String) async throws -> AdminResource {
        guard let user = try await users.get(name) else {
            throw JoinError.notFound("user \(UntrustedString.sanitize(name)) not found")
        }
        return AdminResource(json: try encode(Self.document(user)))
    }

    func list() async throws -> [AdminResource] {
        try await users.list().map { AdminResource(json: try encode(Self.document($0))) }
    }

    func delete(name: String) async throws {
        try await enrollment.remove(user: name, admin: "tctl")
    }

    static func document(_ user: UserAccount) -> Document {
        Document(metadata: .init(name: user.name),
                 spec: .init(roles: user.roles, traits: .init(logins: user.logins), createdBy: user.createdBy,
                             status: .init(passwordSet: user.passwordHash != nil, otpEnrolled: user.otpSecret != nil)))
    }
}

import AccessControl
@testable import CLISupport
import Foundation
import SSHService
import XCTest

/// The node's decision on an SSH login from what the Auth server answers
/// (``AuthBackedSSHPolicy/decide(_:_:)``): fail closed, allow only through the roles the
/// certificate names, deny through every role the user holds now.
final class NodeAccessDecisionTests: XCTestCase {
    private func role(_ yaml: String) throws -> Data { try Role(document: Data(yaml.utf8)).jsonData() }

    private var access: Data {
        get throws {
            try role("""
                kind: role
                version: v7
                metadata: {name: access}
                spec: {allow: {logins: ['{{internal.logins}}'], node_labels: {'*': '*'}}}
                """)
        }
    }

    private func request(login: String = "root", roles: [String] = ["access"]) -> SSHLoginRequest {
        SSHLoginRequest(user: "ann", login: login, roles: roles, principals: [login], certificateSerial: 1,
                        certificateValidBefore: Date().addingTimeInterval(60), clientAddress: "10.0.0.1:1")
    }

    private func answer(_ roles: [Data], logins: [String] = ["root"], lock: String = "", exists: Bool = true,
                        labels: [String: String] = ["env": "prod"]) -> AuthBackedSSHPolicy.UserAccessAnswer {
        .init(exists: exists, lockMessage: lock, logins: logins, rolesJSON: roles, nodeLabels: labels)
    }

    func testAllowedThroughARoleTheCertificateNames() throws {
        XCTAssertEqual(AuthBackedSSHPolicy.decide(request(), answer([try access])), .allow)
    }

    func testRemovedLockedOrStrippedUsersAreRefused() throws {
        XCTAssertEqual(AuthBackedSSHPolicy.decide(request(), answer([try access], exists: false)), .deny("user ann no longer exists"))
        XCTAssertEqual(AuthBackedSSHPolicy.decide(request(), answer([try access], lock: "user=ann is locked: gone")),
                       .deny("user=ann is locked: gone"))
        // The certificate names access, but the user no longer holds it.
        guard case .deny = AuthBackedSSHPolicy.decide(request(), answer([])) else { return XCTFail("allowed without roles") }
        // The user holds access now, but the certificate does not name it.
        guard case .deny = AuthBackedSSHPolicy.decide(request(roles: ["editor"]), answer([try access])) else {
            return XCTFail("allowed through a role the certificate does not name")
        }
    }

    func testARoleTheNodeCannotReadRefusesRatherThanBeingIgnored() throws {
        let unreadable = Data(#"{"kind":"role","version":"v9","metadata":{"name":"no-prod"}}"#.utf8)
        guard case .deny(let reason) = AuthBackedSSHPolicy.decide(request(), answer([try access, unreadable])) else {
            return XCTFail("an unreadable role was ignored")
        }
        XCTAssertTrue(reason.contains("cannot be read"), reason)
    }

    func testADenyRoleAddedSinceTheSignInApplies() throws {
        let noProd = try role("""
            kind: role
            version: v7
            metadata: {name: no-prod}
            spec:
              allow: {logins: [root], node_labels: {'*': '*'}}
              deny: {node_labels: {env: prod}}
            """)
        // The certificate predates no-prod; its deny rule bites, its allow rules grant nothing.
        guard case .deny(let reason) = AuthBackedSSHPolicy.decide(request(), answer([try access, noProd])) else {
            return XCTFail("a deny role added after the sign-in did not apply")
        }
        XCTAssertTrue(reason.contains("env=prod"), reason)
        guard case .deny = AuthBackedSSHPolicy.decide(request(login: "root", roles: ["access"]),
                                                       answer([noProd], labels: ["env": "dev"])) else {
            return XCTFail("a role the certificate does not name granted the login")
        }
    }
}

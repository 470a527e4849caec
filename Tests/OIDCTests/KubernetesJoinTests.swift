import Foundation
import JoinCore
import TestSupport
import XCTest

/// The `kubernetes` method's three ways of checking a pod's service-account token: keys in the
/// token (`static_jwks`), the cluster's issuer (`oidc`, also in OIDCMethodJoinTests) and the
/// API server's TokenReview (`in_cluster`, the test issuer answering as the API server over
/// TLS, found through the in-cluster variables and files).
final class KubernetesJoinTests: XCTestCase {
    private let pod: [String: JSONValue] = ["sub": .string("system:serviceaccount:ci:tbot"), "aud": .array([.string(TestCluster.clusterName)]),
        "kubernetes.io": .object(["namespace": .string("ci"), "pod": .object(["name": .string("tbot-7d9f")]),
                                  "serviceaccount": .object(["name": .string("tbot")])])]

    private func token(_ name: String, roles: String = "[Bot]", section: String) -> String {
        """
        kind: token
        version: v2
        metadata:
          name: \(name)
        spec:
          roles: \(roles)
          join_method: kubernetes
        \(roles == "[Bot]" ? "  bot_name: ci-bot" : "")
          kubernetes:
        \(section)
        """
    }

    private func file(_ oidc: OIDCCluster, _ text: String) throws -> [String: String] {
        let url = oidc.directory.appendingPathComponent("sa-\(UUID().uuidString)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return ["KUBERNETES_TOKEN_PATH": url.path]
    }

    func testStaticJWKSAdmitsAPodOfTheAllowedServiceAccountAndNothingElse() async throws {
        try await OIDCCluster.run(plugins: [.kubernetes]) { oidc in
            let jwks = try await oidc.issuer.publishedJWKS(issuer: "cluster-a")
            let section = """
                    type: static_jwks
                    static_jwks:
                      jwks: '\(jwks)'
                    allow:
                      - service_account: "ci:tbot"
                """
            try await oidc.createToken(token("k8s-bot", section: section))
            try await oidc.createToken(token("k8s-node", roles: "[Node]", section: section))
            let valid = try await oidc.issuer.mint(issuer: "cluster-a", claims: pod)
            let bot = try await oidc.joinBot(method: "kubernetes", token: "k8s-bot", environment: try file(oidc, valid))
            XCTAssertEqual(bot.botName, "ci-bot")
            let node = try await oidc.joinNode(method: "kubernetes", token: "k8s-node", environment: try file(oidc, valid + "\n"))
            XCTAssertNotNil(UUID(uuidString: node.hostID), "a random host ID, as Teleport")
            var events = try await oidc.auditEvents()
            XCTAssertEqual(events.last?.attributes["claim.kubernetes_service_account"], "ci:tbot")
            XCTAssertEqual(events.last?.attributes["claim.kubernetes_pod"], "tbot-7d9f")

            let refusals: [([String: JSONValue], String)] = [
                (["sub": .string("system:serviceaccount:other:tbot")], "kubernetes token did not match any allow rules"),
                (["sub": .string("system:serviceaccount:ci:tbot-2")], "kubernetes token did not match any allow rules"),
                (["kubernetes.io": .object(["namespace": .string("ci")])], "static_jwks joining requires the use of projected pod bound service account token"),
                (["exp": .number(Date().timeIntervalSince1970 + 3600)], "a TTL of less than 30m0s"),
                (["aud": .string("https://kubernetes.default.svc")], "is not \"test.example.com\""),
                (["sub": .string("system:node:worker-1")], "token user is not a service account"),
            ]
            for (claims, expected) in refusals {
                let before = try await oidc.auditEvents().count
                let jwt = try await oidc.issuer.mint(issuer: "cluster-a", claims: pod.merging(claims) { $1 })
                let error = await oidc.refusal(method: "kubernetes", token: "k8s-bot", environment: try file(oidc, jwt))
                XCTAssertEqual(error?.kind, .accessDenied, expected)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(expected): \(error?.message ?? "")")
                events = try await oidc.auditEvents()
                XCTAssertEqual(events.count, before + 1, expected)
                XCTAssertEqual(events.last?.success, false, expected)
            }
            // Another cluster's token (keys this token does not list).
            let foreign = try await oidc.issuer.mint(issuer: "cluster-b", claims: pod)
            let error = await oidc.refusal(method: "kubernetes", token: "k8s-bot", environment: try file(oidc, foreign))
            XCTAssertTrue(error?.message.contains("does not publish") == true, error?.message ?? "")
        }
    }

    /// The Auth server "in" a cluster: the in-cluster variables point at the test issuer's
    /// TokenReview endpoint (TLS, its own CA), and its own service-account token and the CA sit
    /// in a directory as Kubernetes mounts them.
    static func inClusterEnvironment(_ issuer: OIDCTestIssuer) throws -> [String: String] {
        let accounts = issuer.directory.appendingPathComponent("serviceaccount")
        try FileManager.default.createDirectory(at: accounts, withIntermediateDirectories: true)
        try reviewerToken.write(to: accounts.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: issuer.caFile, to: accounts.appendingPathComponent("ca.crt"))
        return ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(issuer.port),
                "JOINERY_KUBERNETES_SERVICE_ACCOUNT_DIR": accounts.path]
    }

    /// The Auth server's own token: its audience is the API server's default one.
    static let reviewerToken = "eyJhbGciOiJSUzI1NiJ9."
        + Base64URL.encode(Array(#"{"aud":["https://kubernetes.default.svc.cluster.local"],"sub":"system:serviceaccount:teleport:auth"}"#.utf8))
        + ".c2lnbmF0dXJl"

    private func review(username: String, pod: String?) -> [String: JSONValue] {
        var user: [String: JSONValue] = ["username": .string(username), "uid": .string("8c1e"),
                                         "groups": .array([.string("system:serviceaccounts"), .string("system:serviceaccounts:ci"), .string("system:authenticated")])]
        if let pod { user["extra"] = .object(["authentication.kubernetes.io/pod-name": .array([.string(pod)])]) }
        return ["authenticated": .bool(true), "user": .object(user), "audiences": .array([.string(TestCluster.clusterName)])]
    }

    func testInClusterAsksTheAPIServersTokenReview() async throws {
        try await OIDCCluster.run(plugins: [.kubernetes], extraEnvironment: Self.inClusterEnvironment) { oidc in
            try await oidc.createToken(token("k8s-in-cluster", section: """
                    type: in_cluster
                    allow:
                      - service_account: "ci:tbot"
                """))
            try await oidc.createToken(token("k8s-in-cluster-node", roles: "[Node]", section: """
                    allow:
                      - service_account: "ci:tbot"
                """))
            let reviewer = Self.reviewerToken
            try await oidc.issuer.configureTokenReview(reviewerToken: reviewer, token: "pod-token-1", status: review(username: "system:serviceaccount:ci:tbot", pod: "tbot-7d9f"))
            let bot = try await oidc.joinBot(method: "kubernetes", token: "k8s-in-cluster", environment: try file(oidc, "pod-token-1\n"))
            XCTAssertEqual(bot.botName, "ci-bot")
            let node = try await oidc.joinNode(method: "kubernetes", token: "k8s-in-cluster-node", environment: try file(oidc, "pod-token-1"))
            XCTAssertNotNil(UUID(uuidString: node.hostID))
            let requests = try await oidc.issuer.platformRequests()
            let reviewRequest = try XCTUnwrap(requests.last { $0["path"] == .string("/apis/authentication.k8s.io/v1/tokenreviews") })
            XCTAssertEqual(reviewRequest["headers"]?["authorization"], .string("Bearer \(reviewer)"))
            let body = try JSONDecoder().decode(JSONValue.self, from: Data((reviewRequest["body"]?.stringValue ?? "").utf8))
            XCTAssertEqual(body["spec"]?["audiences"], .array([.string(TestCluster.clusterName), .string("https://kubernetes.default.svc.cluster.local")]))
            XCTAssertEqual(body["spec"]?["token"], .string("pod-token-1"))

            try await oidc.issuer.configureTokenReview(reviewerToken: reviewer, token: "intruder-token", status: review(username: "system:serviceaccount:ci:intruder", pod: "x"))
            try await oidc.issuer.configureTokenReview(reviewerToken: reviewer, token: "legacy-token", status: review(username: "system:serviceaccount:ci:tbot", pod: nil))
            var notAccount = review(username: "system:serviceaccount:ci:tbot", pod: "p")
            notAccount["user"] = .object(["username": .string("system:serviceaccount:ci:tbot"), "groups": .array([.string("system:authenticated")])])
            try await oidc.issuer.configureTokenReview(reviewerToken: reviewer, token: "no-group-token", status: notAccount)
            let refusals: [(String, String)] = [
                ("unknown-token", "kubernetes failed to validate token: \"[invalid bearer token, token lookup failed]\""),
                ("intruder-token", "kubernetes token did not match any allow rules"),
                ("legacy-token", "legacy SA tokens are not accepted as kubernetes version v1.30.2 supports bound tokens"),
                ("no-group-token", "does not belong to the \"system:serviceaccounts\" group"),
            ]
            for (podToken, expected) in refusals {
                let before = try await oidc.auditEvents().count
                let error = await oidc.refusal(method: "kubernetes", token: "k8s-in-cluster", environment: try file(oidc, podToken))
                XCTAssertEqual(error?.kind, .accessDenied, podToken)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(podToken): \(error?.message ?? "")")
                let events = try await oidc.auditEvents()
                XCTAssertEqual(events.count, before + 1, podToken)
            }
        }
    }

    func testInClusterWithoutTheClusterSaysWhatIsMissing() async throws {
        try await OIDCCluster.run(plugins: [.kubernetes]) { oidc in
            try await oidc.createToken(token("k8s-nowhere", section: "    allow:\n      - service_account: \"ci:tbot\"\n"))
            let error = await oidc.refusal(method: "kubernetes", token: "k8s-nowhere", environment: try file(oidc, "pod-token"))
            XCTAssertEqual(error?.kind, .unavailable)
            XCTAssertTrue(error?.message.contains("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set") == true, error?.message ?? "")
            let missing = await oidc.refusal(method: "kubernetes", token: "k8s-nowhere",
                                             environment: ["KUBERNETES_TOKEN_PATH": "/nonexistent/join-sa-token"])
            XCTAssertEqual(missing?.kind, .badParameter)
            XCTAssertTrue(missing?.message.contains("no Kubernetes service account token at /nonexistent/join-sa-token (KUBERNETES_TOKEN_PATH): is the projected volume mounted there?") == true, missing?.message ?? "")
        }
    }
}

import Foundation
import JoinCore
import TestSupport
import XCTest

/// The `gcp` method with the test issuer playing Google and its admin port playing the GCE
/// metadata server (`GCE_METADATA_HOST`): a VM in an allowed project, region and service
/// account joins; each other fact is refused with an audit event.
final class GCPJoinTests: XCTestCase {
    private let vm: [String: JSONValue] = [
        "sub": .string("104893722137480155321"), "email": .string("joiner@acme-prod.iam.gserviceaccount.com"),
        "google": .object(["compute_engine": .object([
            "project_id": .string("acme-prod"), "zone": .string("us-west1-b"),
            "instance_id": .string("4815162342"), "instance_name": .string("web-1")])]),
    ]

    private func compute(_ changes: [String: JSONValue]) -> JSONValue {
        guard case .object(var fields)? = vm["google"]?["compute_engine"] else { return .null }
        fields.merge(changes) { $1 }
        return .object(["compute_engine": .object(fields)])
    }

    func testAVMJoinsAndEachWrongFactIsRefused() async throws {
        let method = OIDCMethodCase.gcp
        try await OIDCCluster.run(plugins: [.gcp]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "gcp-node", issuer: oidc.issuer, roles: "[Node]"))
            let metadata = ["GCE_METADATA_HOST": oidc.issuer.gceMetadataHost]
            try await oidc.issuer.configurePlatform("gcp", issuer: "gcp", claims: vm, requestToken: "")
            let node = try await oidc.joinNode(method: "gcp", token: "gcp-node", environment: metadata)
            XCTAssertNotNil(UUID(uuidString: node.hostID))
            let requests = try await oidc.issuer.platformRequests()
            let asked = try XCTUnwrap(requests.last)
            XCTAssertEqual(asked["query"]?["audience"], .string("teleport.cluster.local"))
            XCTAssertEqual(asked["query"]?["format"], .string("full"))
            XCTAssertEqual(asked["headers"]?["metadata-flavor"], .string("Google"))
            var events = try await oidc.auditEvents()
            XCTAssertEqual(events.last?.attributes["claim.gcp_zone"], "us-west1-b")
            XCTAssertEqual(events.last?.attributes["claim.email"], "joiner@acme-prod.iam.gserviceaccount.com")

            let refusals: [(String, [String: JSONValue], String)] = [
                ("zone outside locations", ["google": compute(["zone": .string("us-east1-b")])], "locations did not match"),
                ("another project", ["google": compute(["project_id": .string("acme-dev")])], "project_ids did not match"),
                ("another service account", ["email": .string("other@acme-prod.iam.gserviceaccount.com")], "service_accounts did not match"),
                ("the cluster's name as audience", ["aud": .string(TestCluster.clusterName)], "is not \"teleport.cluster.local\""),
                ("the default compute service account", ["email": .string("123-compute@developer.gserviceaccount.com"), "google": .null],
                 "default compute engine service account \"123-compute@developer.gserviceaccount.com\" is not supported"),
                ("a workload outside a VM", ["email": .string("joiner@acme-prod.iam.gserviceaccount.com"), "google": .null],
                 "id token \"google.compute_engine.zone\" claim is empty and didn't match the \"locations\""),
            ]
            for (name, claims, expected) in refusals {
                // A claim given as null is left out of the token.
                try await oidc.issuer.configurePlatform("gcp", issuer: "gcp", claims: vm.merging(claims) { $1 }, requestToken: "")
                let before = try await oidc.auditEvents().count
                let error = await expectedRefusal { _ = try await oidc.joinNode(method: "gcp", token: "gcp-node", environment: metadata) }
                XCTAssertEqual(error?.kind, .accessDenied, name)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
                events = try await oidc.auditEvents()
                XCTAssertEqual(events.count, before + 1, name)
                XCTAssertEqual(events.last?.success, false, name)
            }
        }
    }

    func testAGKEWorkloadJoinsByItsServiceAccountsProject() async throws {
        try await OIDCCluster.run(plugins: [.gcp]) { oidc in
            try await oidc.createToken("""
                kind: token
                version: v2
                metadata:
                  name: gke
                spec:
                  roles: [Node]
                  join_method: gcp
                  gcp:
                    allow:
                      - project_ids: [acme-prod]
                """)
            try await oidc.issuer.configurePlatform("gcp", issuer: "gcp", claims: [
                "sub": .string("1048937"), "email": .string("workload@acme-prod.iam.gserviceaccount.com")], requestToken: "")
            let node = try await oidc.joinNode(method: "gcp", token: "gke", environment: ["GCE_METADATA_HOST": oidc.issuer.gceMetadataHost])
            XCTAssertEqual(node.clusterName, TestCluster.clusterName)
            let events = try await oidc.auditEvents()
            XCTAssertEqual(events.last?.attributes["claim.gcp_project_id"], "acme-prod")
        }
    }

    func testOutsideGCETheJoinerSaysSo() async throws {
        try await OIDCCluster.run(plugins: [.gcp]) { oidc in
            try await oidc.createToken(OIDCMethodCase.gcp.tokenYAML(name: "gcp-away", issuer: oidc.issuer, roles: "[Node]"))
            let closed = FreePort.next()
            let error = await expectedRefusal {
                _ = try await oidc.joinNode(method: "gcp", token: "gcp-away", environment: ["GCE_METADATA_HOST": "127.0.0.1:\(closed)"])
            }
            XCTAssertEqual(error?.kind, .unavailable)
            XCTAssertTrue(error?.message.contains("the GCE metadata server at 127.0.0.1:\(closed) (is this a Compute Engine VM?") == true, error?.message ?? "")
        }
    }
}

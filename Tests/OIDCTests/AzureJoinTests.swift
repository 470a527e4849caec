@testable import AzureJoin
import Foundation
import JoinCore
import TestSupport
import XCTest

/// The `azure` method against the test issuer playing Azure: its admin port is the VM's IMDS
/// (attested data signed by `openssl cms -sign` with a test CA's metadata.azure.com
/// certificate, managed identity tokens from the tenant's issuer), its HTTPS port Entra ID's
/// per-tenant issuer and Resource Manager. A VM joins; a replayed document, a subscription or
/// resource group outside the rules, a token of another VM, and documents signed by the wrong
/// certificates are each refused with an audit event.
final class AzureJoinTests: XCTestCase {
    private static let subscription = "6a5b4c3d-1111-2222-3333-444455556666"
    private static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    private static let trustVariable = "AZURE_TEST_ATTESTATION_CERTIFICATES_DIR"

    /// The built-in plugin, its `auth_service.azure.attestation_certificates_dir` the test CA.
    private static let plugin = JoinMethodPlugin(
        name: JoinMethodPlugin.azure.name, authServiceKeys: JoinMethodPlugin.azure.authServiceKeys,
        joinParamsSections: JoinMethodPlugin.azure.joinParamsSections,
        makeMethod: { context in
            var context = context
            context.authService = .object(["azure": .object([
                "attestation_certificates_dir": .string(context.environment[trustVariable] ?? ""),
            ])])
            return try JoinMethodPlugin.azure.makeMethod(context)
        },
        makeProver: JoinMethodPlugin.azure.makeProver)

    private func withAzure(_ body: (OIDCCluster) async throws -> Void) async throws {
        try await OIDCCluster.run(plugins: [Self.plugin], extraEnvironment: { issuer in
            [
                "JOINERY_OIDC_ISSUER_URL_AZURE": issuer.azureIssuerBase,
                AzureVirtualMachineLookup.baseVariable: issuer.azureResourceManagerURL,
                Self.trustVariable: issuer.azureTrustDirectory.path,
            ]
        }, body)
    }

    private func vm(name: String = "web-1", resourceGroup: String = "rg-web", subscription: String = subscription,
                    vmID: String = "0c2b0f5e-7d9a-4b3e-9f1a-1234567890ab") -> OIDCTestIssuer.AzureVM {
        OIDCTestIssuer.AzureVM(vmID: vmID, subscription: subscription, resourceGroup: resourceGroup, name: name, tenant: Self.tenant)
    }

    private let tokenYAML = """
        kind: token
        version: v2
        metadata:
          name: azure-token
        spec:
          roles: [Node]
          join_method: azure
          azure:
            allow:
              - subscription: \(subscription)
                resource_groups: ["RG-Web"]
        """

    func testAVMJoinsAndEachWrongFactIsRefusedWithAnAuditEvent() async throws {
        try await withAzure { azure in
            try await azure.createToken(tokenYAML)
            let imds = ["IMDS_ENDPOINT": azure.issuer.azureIMDSEndpoint]
            try await azure.issuer.configureAzureVM(vm())
            let node = try await azure.joinNode(method: "azure", token: "azure-token", environment: imds)
            XCTAssertNotNil(UUID(uuidString: node.hostID))

            let requests = try await azure.issuer.platformRequests()
            let attested = try XCTUnwrap(requests.last { $0["path"] == .string("/metadata/attested/document") })
            XCTAssertEqual(attested["headers"]?["metadata"], .string("true"))
            let usedNonce = try XCTUnwrap(attested["query"]?["nonce"]?.stringValue)
            XCTAssertEqual(usedNonce.count, 32, "IMDS takes at most 32 characters")
            let tokenRequest = try XCTUnwrap(requests.last { $0["path"] == .string("/metadata/identity/oauth2/token") })
            XCTAssertEqual(tokenRequest["query"]?["resource"], .string("https://management.azure.com/"))
            var events = try await azure.auditEvents()
            let admitted = try XCTUnwrap(events.last)
            XCTAssertTrue(admitted.success)
            XCTAssertEqual(admitted.attributes["azure_vm_id"], "0c2b0f5e-7d9a-4b3e-9f1a-1234567890ab")
            XCTAssertEqual(admitted.attributes["azure_subscription"], Self.subscription)
            XCTAssertEqual(admitted.attributes["azure_resource_group"], "rg-web")
            XCTAssertEqual(admitted.attributes["azure_tenant"], Self.tenant)

            // Another VM, registered with Resource Manager, whose token a thief might present.
            let other = vm(name: "db-1", resourceGroup: "rg-web", vmID: "9f9f9f9f-0000-1111-2222-333333333333")
            try await azure.issuer.registerAzureVM(resourceID: other.resourceID, vmID: other.vmID)
            var replayed = vm(), outsideSubscription = vm(subscription: "00000000-aaaa-bbbb-cccc-dddddddddddd")
            replayed.replayNonce = usedNonce
            var otherToken = vm(), otherSubscriptionToken = vm(), foreign = vm(), misnamed = vm(), unknownToARM = vm()
            otherToken.tokenResourceID = other.resourceID
            otherSubscriptionToken.tokenResourceID = vm(subscription: "00000000-aaaa-bbbb-cccc-dddddddddddd").resourceID
            foreign.signer = "foreign"
            misnamed.signer = "other-name"
            unknownToARM.registered = false
            unknownToARM.name = "ghost-1"
            let refusals: [(String, OIDCTestIssuer.AzureVM, String)] = [
                ("a replayed attested document", replayed, "challenge is missing or does not match"),
                ("a subscription outside the rules", outsideSubscription, "did not match any allow rules in token azure-token"),
                ("a resource group outside the rules", vm(resourceGroup: "rg-db"), "did not match any allow rules in token azure-token"),
                ("a token for another VM", otherToken, "vm ID does not match"),
                ("a token from another subscription", otherSubscriptionToken, "subscription ID mismatch between attested data and access token"),
                ("a document from an untrusted CA", foreign, "the attested data does not verify"),
                ("a document signed under another name", misnamed, "certificate common name does not match allow-list"),
                ("a VM Resource Manager does not know", unknownToARM, "answered HTTP 404"),
            ]
            for (name, machine, expected) in refusals {
                try await azure.issuer.configureAzureVM(machine)
                let before = try await azure.auditEvents().count
                let error = await expectedRefusal { _ = try await azure.joinNode(method: "azure", token: "azure-token", environment: imds) }
                XCTAssertEqual(error?.kind, .accessDenied, name)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
                events = try await azure.auditEvents()
                XCTAssertEqual(events.count, before + 1, name)
                XCTAssertEqual(events.last?.success, false, name)
                XCTAssertTrue(events.last?.reason?.contains(expected) == true, "\(name): \(events.last?.reason ?? "")")
            }
        }
    }

    func testTheTokenSectionIsCheckedInTeleportsWords() throws {
        func token(_ section: JSONValue?) -> ProvisionToken {
            var token = ProvisionToken(name: "azure-token", roles: [.node], joinMethod: "azure")
            if let section { token.spec.methodSections["azure"] = section }
            return token
        }
        let cases: [(JSONValue?, String)] = [
            (nil, "\"azure\" configuration must be provided for the join method \"azure\""),
            (.object(["allow": .array([])]), "the \"azure\" join method requires defined azure allow rules"),
            (.object(["allow": .array([.object(["resource_groups": .array([.string("rg")])])])]),
             "the \"azure\" join method requires azure allow rules with non-empty subscription"),
            (.object(["allow": .array([.object(["subscription": .string("s"), "resource_group": .string("rg")])])]), "resource_group"),
        ]
        for (section, expected) in cases {
            XCTAssertThrowsError(try AzureTokenSpec(of: token(section))) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        let spec = try AzureTokenSpec(of: token(.object(["allow": .array([
            .object(["subscription": .string("s"), "resource_groups": .array([.string("RG-Web")])]),
        ])])))
        XCTAssertNotNil(spec.firstMatch(subscription: "s", resourceGroup: "rg-web"), "resource groups compare case-insensitively")
        XCTAssertNil(spec.firstMatch(subscription: "S", resourceGroup: "rg-web"), "subscriptions compare exactly")
    }

    func testMalformedOrOversizedAnswersAndDocumentsAreRefusedWithTheReason() async throws {
        XCTAssertThrowsError(try AzureMessages.decodeSolution(Data("not json".utf8))) { error in
            XCTAssertEqual((error as? JoinError)?.message, "the azure answer is not JSON with attested_data and access_token")
        }
        XCTAssertThrowsError(try AzureMessages.decodeSolution(Data(count: AzureMessages.maximumSolutionBytes + 1))) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("the limit is \(AzureMessages.maximumSolutionBytes)") == true, "\(error)")
        }
        let verifier = AttestedDataVerifier(trust: try AttestationTrust.bundled(),
                                            issuers: IssuerCertificateFetcher(clock: SystemClock(), environment: [:]))
        let cases: [(String, String)] = [
            ("nonsense", "it is not the JSON IMDS answers with"),
            (#"{"encoding":"base64","signature":"AAAA"}"#, "unsupported signature type: \"base64\""),
            (#"{"encoding":"pkcs7","signature":"%%%"}"#, "the signature is not base64"),
            (#"{"encoding":"pkcs7","signature":"AAAA"}"#, "not a PKCS#7 structure"),
            (#"{"encoding":"pkcs7","signature":""# + String(repeating: "A", count: AttestedDataVerifier.maximumBytes) + #""}"#,
             "more than the \(AttestedDataVerifier.maximumBytes) an attested document can be"),
        ]
        for (document, expected) in cases {
            do {
                _ = try await verifier.verify(document, at: Date())
                XCTFail("accepted: \(document.prefix(60))")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .accessDenied)
                XCTAssertTrue(error.message.contains(expected), error.message)
            }
        }
    }

    func testTheNonceBindsTheKeysAndOnlyAzureCAURLsAreFetched() {
        let a = KeyBinding(sshPublicKey: Data("ssh a".utf8), tlsPublicKey: Data("tls a".utf8))
        let b = KeyBinding(sshPublicKey: Data("ssh b".utf8), tlsPublicKey: Data("tls a".utf8))
        let challenge = AzureNonce.challenge()
        XCTAssertTrue(AzureNonce.isWellFormed(challenge))
        XCTAssertNotEqual(AzureNonce.make(challenge: challenge, keyBinding: a), AzureNonce.make(challenge: challenge, keyBinding: b))
        XCTAssertEqual(AzureNonce.make(challenge: challenge, keyBinding: a).count, 32)
        for allowed in ["http://www.microsoft.com/pkiops/certs/Microsoft%20Azure%20RSA%20TLS%20Issuing%20CA%2004.crt",
                        "http://cacerts.digicert.com/DigiCertGlobalRootG2.crt"] {
            XCTAssertTrue(IssuerCertificateFetcher.isAllowed(URL(string: allowed)!), allowed)
        }
        for refused in ["http://169.254.169.254/metadata/identity", "https://www.microsoft.com/x.crt", "http://evil.example/microsoft.com",
                        "http://microsoft.com.evil.example/x.crt", "http://www.microsoft.com:8080/x.crt", "file:///etc/passwd"] {
            XCTAssertFalse(IssuerCertificateFetcher.isAllowed(URL(string: refused)!), refused)
        }
        XCTAssertNil(AzureResourceID(virtualMachine: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"))
        XCTAssertNil(AzureResourceID(virtualMachine: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/../../x"))
        XCTAssertEqual(AzureResourceID(virtualMachine: "/subscriptions/s/resourcegroups/RG/providers/microsoft.compute/virtualmachines/vm-1")?.name, "vm-1")
    }
}

import Foundation
import JoinCore

/// The Azure side of the test issuer (`Scripts/oidc_issuer.py`): an IMDS on the admin port
/// (plain HTTP, `Metadata: true` required) serving attested data that `openssl cms -sign`
/// signs with a test CA's certificate for metadata.azure.com, and managed identity access
/// tokens from the tenant's issuer (`<issuerURL>/<tenant>/`, trailing slash as Entra ID's);
/// and Azure Resource Manager's GET of a VM on the HTTPS port.
extension OIDCTestIssuer {
    /// One VM as IMDS and Resource Manager describe it, and the faults a test can ask for.
    public struct AzureVM: Sendable {
        public var vmID: String
        public var subscription: String
        public var resourceGroup: String
        public var name: String
        public var tenant: String
        /// Sign this nonce instead of the one asked for (a replayed document).
        public var replayNonce: String?
        /// `azure` (the trusted CA, metadata.azure.com), `other-name` (the trusted CA, another
        /// name), `foreign` (an untrusted CA, metadata.azure.com).
        public var signer = "azure"
        /// The access token names this resource instead of the VM.
        public var tokenResourceID: String?
        /// Whether Resource Manager knows the VM.
        public var registered = true

        public init(vmID: String, subscription: String, resourceGroup: String, name: String, tenant: String) {
            self.vmID = vmID
            self.subscription = subscription
            self.resourceGroup = resourceGroup
            self.name = name
            self.tenant = tenant
        }

        public var resourceID: String {
            "/subscriptions/\(subscription)/resourceGroups/\(resourceGroup)/providers/Microsoft.Compute/virtualMachines/\(name)"
        }
    }

    /// Makes IMDS answer as `vm` from now on.
    public func configureAzureVM(_ vm: AzureVM) async throws {
        var body: [String: JSONValue] = [
            "vm_id": .string(vm.vmID), "subscription": .string(vm.subscription), "resource_group": .string(vm.resourceGroup),
            "name": .string(vm.name), "tenant": .string(vm.tenant), "signer": .string(vm.signer), "register": .bool(vm.registered),
        ]
        if let replay = vm.replayNonce { body["replay_nonce"] = .string(replay) }
        if let other = vm.tokenResourceID { body["token_resource_id"] = .string(other) }
        _ = try await admin("/admin/azure/vm", body)
    }

    /// Tells Resource Manager of another VM.
    public func registerAzureVM(resourceID: String, vmID: String) async throws {
        _ = try await admin("/admin/azure/arm", ["resource_id": .string(resourceID), "vm_id": .string(vmID)])
    }

    /// What to put in `IMDS_ENDPOINT`.
    public var azureIMDSEndpoint: String { "http://127.0.0.1:\(adminPort)" }
    /// What to put in `JOINERY_AZURE_RESOURCE_MANAGER_URL`.
    public var azureResourceManagerURL: String { "https://127.0.0.1:\(port)" }
    /// What to put in `JOINERY_OIDC_ISSUER_URL_AZURE`: tenants' issuers are under it.
    public var azureIssuerBase: String { "https://127.0.0.1:\(port)" }
    /// The attested data's root and issuing CA, for `auth_service.azure.attestation_certificates_dir`.
    public var azureTrustDirectory: URL { directory.appendingPathComponent("azure-trust") }
}

import Foundation
import JoinCore
import OIDCKit

/// Asks Azure Resource Manager for the VM a verified access token names, with that very token
/// (a managed identity with `Microsoft.Compute/virtualMachines/read` on its VM, as Teleport's
/// docs require), and returns its `properties.vmId`. Comparing it with the attested `vmId`
/// ties the token to the VM that signed the document: a token taken from another VM, even in
/// the same subscription, is refused.
///
/// `GET <arm>/subscriptions/…/virtualMachines/<name>?api-version=2024-07-01`; the base is
/// `JOINERY_AZURE_RESOURCE_MANAGER_URL` when set (tests, sovereign clouds), else
/// `https://management.azure.com`.
struct AzureVirtualMachineLookup: Sendable {
    static let defaultBase = "https://management.azure.com"
    static let baseVariable = "JOINERY_AZURE_RESOURCE_MANAGER_URL"
    static let apiVersion = "2024-07-01"
    static let maximumBytes = 256 * 1024

    let base: String
    let http: OIDCHTTPClient

    init(environment: [String: String]) {
        base = environment[Self.baseVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultBase
        http = OIDCHTTPClient(environment: environment)
    }

    func vmID(of machine: AzureResourceID, accessToken: String) async throws -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: "\(trimmed)\(machine.path)?api-version=\(Self.apiVersion)") else {
            throw JoinError.internalError("azure: cannot make the Resource Manager URL for \(machine.path)")
        }
        let peer = "Azure Resource Manager at \(trimmed)"
        let answer = try await http.send(.GET, url, headers: [("Authorization", "Bearer \(accessToken)")], peer: peer,
                                         maximumBytes: Self.maximumBytes)
        guard answer.status == 200 else {
            throw JoinError.accessDenied(
                "\(peer) answered HTTP \(answer.status) for the VM \(machine.name) in resource group \(machine.resourceGroup): the "
                    + "VM's identity needs Microsoft.Compute/virtualMachines/read on it")
        }
        struct Machine: Decodable {
            struct Properties: Decodable { var vmId: String? }
            var properties: Properties?
        }
        guard let vmID = (try? JSONDecoder().decode(Machine.self, from: Data(answer.body)))?.properties?.vmId, !vmID.isEmpty else {
            throw JoinError.unavailable("\(peer) answered without properties.vmId for \(machine.name)")
        }
        return vmID
    }
}

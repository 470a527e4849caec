import Foundation
import JoinCore

/// An Azure Resource Manager ID of a virtual machine:
/// `/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>`
/// (segment names compared case-insensitively, as ARM does; values kept as written).
struct AzureResourceID: Sendable, Equatable {
    var subscription: String
    var resourceGroup: String
    var name: String

    /// Parses `text`; `nil` unless it is exactly a VM's ID (a user-assigned identity's ID, a
    /// scale set or anything else is not).
    init?(virtualMachine text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 9, parts[0].isEmpty,
              parts[1].lowercased() == "subscriptions", parts[3].lowercased() == "resourcegroups",
              parts[5].lowercased() == "providers", parts[6].lowercased() == "microsoft.compute",
              parts[7].lowercased() == "virtualmachines" else { return nil }
        let values = [parts[2], parts[4], parts[8]]
        // Values become URL path segments: only what Azure allows in these names.
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.()"))
        guard values.allSatisfy({ !$0.isEmpty && $0.count <= 90 && $0.unicodeScalars.allSatisfy(allowed.contains) }) else { return nil }
        subscription = values[0]
        resourceGroup = values[1]
        name = values[2]
    }

    /// The path of the VM on Azure Resource Manager.
    var path: String {
        "/subscriptions/\(subscription)/resourceGroups/\(resourceGroup)/providers/Microsoft.Compute/virtualMachines/\(name)"
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import ReverseTunnel
import Transport

/// How the Proxy Service finds the node an SSH request names: it asks the Auth server for the
/// live nodes and picks the one whose host ID, or else whose name, the target is (with or
/// without `.<cluster>`). A name two nodes share is refused rather than guessed: nodes report
/// their own names. Whether the user may log in there is the node's decision.
struct AuthNodeResolver: NodeResolver {
    let access: Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>
    let authServer: AuthAddress
    let clusterName: String

    func resolve(target: String, user: String) async throws -> ResolvedNode {
        let nodes = try await RPCErrorTranslation.translating(authServer) {
            try await access.listAccessibleNodes(Joinery_V1_ListNodesRequest()).nodes
        }
        return try Self.pick(target: target, from: nodes, clusterName: clusterName)
    }

    static func pick(target: String, from nodes: [Joinery_V1_Node], clusterName: String) throws -> ResolvedNode {
        let bare = target.hasSuffix("." + clusterName) ? String(target.dropLast(clusterName.count + 1)) : target
        var matches = nodes.filter { $0.hostID == bare }
        if matches.isEmpty { matches = nodes.filter { $0.hostname == bare } }
        guard let node = matches.first else {
            throw JoinError.notFound("no node named \(UntrustedString.sanitize(bare)) is online in cluster \(clusterName); tsh ls lists the nodes")
        }
        guard matches.count == 1 else {
            throw JoinError.badParameter("\(matches.count) nodes are named \(UntrustedString.sanitize(bare)); connect by host ID")
        }
        let direct = node.addr.isEmpty ? nil : (try? AuthAddress(parsing: node.addr, defaultPort: 3022)).map { (host: $0.host, port: $0.port) }
        return ResolvedNode(hostID: node.hostID, directAddress: direct)
    }
}

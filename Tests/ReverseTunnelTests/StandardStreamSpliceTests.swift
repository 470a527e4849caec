import Foundation
import ReverseTunnel
import XCTest

/// `tsh proxy ssh` as OpenSSH's ProxyCommand: standard input and output spliced to the node.
final class StandardStreamSpliceTests: XCTestCase {
    func testInputEOFHalfClosesAndTheNodesEndEndsOutput() async throws {
        let lab = try await ServerAccessLab.start()
        do {
            try await lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: EchoNode(banner: "SSH-2.0-Node\r\n").acceptor)
                .waitUntilConnected()
            let stdin = Pipe()
            let stdout = Pipe()
            let dialer = lab.sshDialer(try lab.identities.user("alice"))
            let input = dup(stdin.fileHandleForReading.fileDescriptor)
            let output = dup(stdout.fileHandleForWriting.fileDescriptor)
            try stdin.fileHandleForReading.close()
            try stdout.fileHandleForWriting.close()
            let command = Task { try await dialer.proxyCommand(to: "node-1:22", input: input, output: output) }
            // What ssh would write, then its end of input.
            stdin.fileHandleForWriting.write(Data("SSH-2.0-OpenSSH_9.6\r\n".utf8))
            try stdin.fileHandleForWriting.close()
            let reader = stdout.fileHandleForReading
            let everything = try await withTimeout(.seconds(10), "reading the command's output") {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
                    DispatchQueue.global().async {
                        continuation.resume(with: Result { try reader.readToEnd() ?? Data() })
                    }
                }
            }
            try await withTimeout(.seconds(10), "the command") { try await command.value }
            XCTAssertEqual(String(decoding: everything, as: UTF8.self), "SSH-2.0-Node\r\nSSH-2.0-OpenSSH_9.6\r\n")
        } catch {
            await lab.stop()
            throw error
        }
        await lab.stop()
    }
}

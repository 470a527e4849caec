import Foundation

/// A real TLS server (Python's `ssl`, i.e. OpenSSL) on 127.0.0.1 that serves a certificate of
/// our own cluster — a joined Node's, a Bot's, a Proxy's — with the real host CA as its chain,
/// and offers HTTP/2 like the Auth server does. It logs each completed handshake and every byte
/// a client sends after it, so a test can show that nothing (no `PRI * HTTP/2.0`, no token)
/// reached it.
///
/// This is the attack the role checks stop: every cluster member holds a certificate from
/// the same CA, so CA and name checks alone would let any of them answer as the Auth server.
public final class ImpostorTLSServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let process: ManagedProcess

    /// - Parameters:
    ///   - certificatePEM: the leaf to serve; `caPEM`: the chain sent after it.
    public init(certificatePEM: String, privateKeyPEM: String, caPEM: String, alpn: String = "h2") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("impostor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(privateKeyPEM.utf8).write(to: directory.appendingPathComponent("key.pem"))
        port = FreePort.next()
        let script = directory.appendingPathComponent("impostor.py")
        try Data(Self.script.utf8).write(to: script)
        try Data((certificatePEM + "\n" + caPEM).utf8).write(to: directory.appendingPathComponent("chain.pem"))
        process = try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-u", script.path, "\(port)", directory.appendingPathComponent("chain.pem").path,
             directory.appendingPathComponent("key.pem").path, alpn],
            logDirectory: directory, name: "impostor")
        guard await process.waitForOutput("LISTENING", seconds: 10) else {
            await process.stop()
            throw ImpostorError.didNotStart(process.output)
        }
    }

    /// Accepts TLS connections forever; one thread per connection, each logging what arrives.
    private static let script = """
        import socket, ssl, sys, threading
        port, chain, key, alpn = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key)
        context.set_alpn_protocols([alpn])
        listener = socket.create_server(("127.0.0.1", port))
        print("LISTENING", flush=True)
        def serve(raw):
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    print("HANDSHAKE-COMPLETED alpn=%s" % tls.selected_alpn_protocol(), flush=True)
                    tls.settimeout(10)
                    while True:
                        data = tls.recv(65536)
                        if not data:
                            break
                        print("RECEIVED %r" % data, flush=True)
            except Exception as error:
                print("CONNECTION-ENDED %s" % type(error).__name__, flush=True)
        while True:
            raw, _ = listener.accept()
            threading.Thread(target=serve, args=(raw,), daemon=True).start()
        """

    /// Everything the server logged: completed handshakes and the bytes clients sent.
    public var transcript: String { process.output }

    /// Whether any client completed a handshake and spoke HTTP/2 (the gRPC preface).
    public var receivedHTTP2Preface: Bool { transcript.contains("PRI * HTTP/2.0") }

    /// Whether any client finished the TLS handshake with it.
    public var completedAHandshake: Bool { transcript.contains("HANDSHAKE-COMPLETED") }

    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public enum ImpostorError: Error {
        case didNotStart(String)
    }
}

import AsyncHTTPClient
import JoinCore
import NIOCore

/// Sends a request with a deadline and reads the answer up to a size limit, turning
/// transport failures into `JoinError`s that name the peer.
///
/// Every outbound read in Joinery (AWS, OIDC issuers) goes through here so that no endpoint
/// (a real one, a proxy or a misconfigured URL) can make us wait or buffer without bound.
public struct BoundedHTTPExchange: Sendable {
    public let httpClient: HTTPClient
    public let timeout: TimeAmount
    public let maximumBytes: Int

    /// What came back: the status and at most `maximumBytes` of body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public init(httpClient: HTTPClient, timeout: TimeAmount, maximumBytes: Int) {
        self.httpClient = httpClient
        self.timeout = timeout
        self.maximumBytes = maximumBytes
    }

    /// - Parameters:
    ///   - peer: how to name the other side in messages, e.g. `AWS EC2 at https://…`.
    ///   - unreachableHint: appended to the message when the peer cannot be reached.
    public func send(_ request: HTTPClientRequest, peer: String, unreachableHint: String = "") async throws -> Response {
        let deadline = NIODeadline.now() + timeout
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > maximumBytes {
                throw JoinError.unavailable("\(peer) sent a response of \(declared) bytes, more than the \(Self.describe(maximumBytes)) Joinery reads: check that the endpoint is the right service")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await Self.collect(response.body, upTo: maximumBytes, before: deadline)
            } catch is NIOTooManyBytesError {
                throw JoinError.unavailable("\(peer) sent a response larger than the \(Self.describe(maximumBytes)) Joinery reads: check that the endpoint is the right service")
            } catch is BodyDeadlineExceeded {
                throw JoinError.unavailable("\(peer) did not finish its answer within \(Double(timeout.nanoseconds) / 1e9) s (it sent the headers, then stalled)")
            }
            return Response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                            body: Array(buffer.readableBytesView))
        } catch let error as JoinError {
            throw error
        } catch {
            let reason = Self.reason(for: error, timeout: timeout)
            throw JoinError.unavailable("cannot reach \(peer): \(reason)\(unreachableHint)")
        }
    }

    /// AsyncHTTPClient's deadline ends when the headers arrive; the body is read under the same
    /// deadline here, so a peer that sends headers and then trickles or stalls cannot hold a
    /// caller (and every join waiting on it) past it.
    static func collect(_ body: HTTPClientResponse.Body, upTo maximumBytes: Int, before deadline: NIODeadline) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maximumBytes) }
            group.addTask {
                let remaining = max(0, (deadline - NIODeadline.now()).nanoseconds)
                try await Task.sleep(nanoseconds: UInt64(remaining))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else { throw BodyDeadlineExceeded() }
            return buffer
        }
    }

    struct BodyDeadlineExceeded: Error {}

    public static func reason(for error: any Error, timeout: TimeAmount) -> String {
        if let clientError = error as? HTTPClientError {
            if clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .connectTimeout {
                return "no answer within \(Double(timeout.nanoseconds) / 1e9) s"
            }
            return String(describing: clientError)
        }
        return String(describing: error)
    }

    public static func describe(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }
}

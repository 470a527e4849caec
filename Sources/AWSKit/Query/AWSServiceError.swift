import JoinCore

/// An error document an AWS service answered with: its code (`SignatureDoesNotMatch`,
/// `InvalidInstanceID.NotFound`, `AccessDenied`, ...), message and HTTP status.
///
/// Both shapes of the query protocol are read: EC2's `<Response><Errors><Error>` and the
/// `<ErrorResponse><Error>` of STS and IAM. The message is cleaned of anything secret before
/// it gets here (see ``SecretRedaction``).
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// E.g. `EC2`.
    public let service: String
    /// The API action that failed, e.g. `DescribeInstances`.
    public let action: String
    public let code: String
    public let message: String
    /// The HTTP status code of the response.
    public let status: Int
    public let requestID: String?

    public init(service: String, action: String, code: String, message: String, status: Int, requestID: String? = nil) {
        self.service = service
        self.action = action
        self.code = code
        self.message = message
        self.status = status
        self.requestID = requestID
    }

    public var description: String {
        var text = "AWS \(service) \(action) failed with \(code) (HTTP \(status))"
        if !message.isEmpty { text += ": \(message)" }
        if let hint { text += " — \(hint)" }
        if let requestID { text += " [request ID \(requestID)]" }
        return text
    }

    /// What a person can do about the common codes.
    public var hint: String? {
        switch code {
        case "SignatureDoesNotMatch", "AuthFailure":
            return "check the secret access key and that the clock of this machine is correct"
        case "InvalidClientTokenId", "UnrecognizedClientException":
            return "the access key ID is not known to AWS: check the credentials in use"
        case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
            return "the credentials or the request have expired: refresh the credentials and check this machine's clock"
        case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
            return "grant the calling identity permission for \(service.lowercased()):\(action) in its IAM policy"
        case "Throttling", "RequestLimitExceeded":
            return "AWS is rate-limiting these calls: retry later"
        default:
            return nil
        }
    }

    /// Whether AWS is asking the caller to slow down: a throttling code, or HTTP 503 (which
    /// AWS answers when a service sheds load). Such a call may be retried after a backoff.
    public var isThrottling: Bool {
        Self.throttlingCodes.contains(code) || status == 503
    }

    static let throttlingCodes: Set<String> = [
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottled", "RequestThrottledException", "TooManyRequestsException", "SlowDown",
    ]

    /// The same failure as a ``JoinError`` of the matching kind, for callers that only speak that.
    public var joinError: JoinError {
        let kind: JoinError.Kind
        switch code {
        case "SignatureDoesNotMatch", "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException",
             "ExpiredToken", "ExpiredTokenException", "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
            kind = .accessDenied
        case "Throttling", "RequestLimitExceeded":
            kind = .limitExceeded
        case _ where code.hasSuffix(".NotFound") || code.hasPrefix("NoSuch"):
            kind = .notFound
        case _ where code.hasSuffix(".Malformed") || code.hasPrefix("Invalid") || code == "ValidationError":
            kind = .badParameter
        default:
            kind = status >= 500 ? .unavailable : .internalError
        }
        return JoinError(kind, description)
    }

    /// Reads an error document; nil when `root` is not one.
    static func from(_ root: AWSXMLElement, service: String, action: String, status: Int) -> AWSServiceError? {
        guard let error = root.firstDescendant("Error"), let code = error.text(at: "Code"), !code.isEmpty else { return nil }
        let requestID = root.firstDescendant("RequestId")?.text ?? root.firstDescendant("RequestID")?.text
        return AWSServiceError(service: service, action: action, code: code, message: error.text(at: "Message") ?? "",
                               status: status, requestID: requestID.flatMap { $0.isEmpty ? nil : $0 })
    }
}

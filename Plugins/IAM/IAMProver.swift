import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import Logging
import NIOHTTP1

/// The client half of the `iam` method (spec §7.2): for each challenge, builds
/// `POST /` to the regional STS endpoint with the GetCallerIdentity body, the headers
/// `X-Teleport-Challenge`, `X-Joinery-Key-Binding` (the ``KeyBinding`` of the keys this join
/// certifies) and `Accept: application/json`, signs it with SigV4 (service `sts`)
/// using the AWS SDKs' credential chain, and answers with the signed request as raw HTTP/1.1
/// bytes. It never sends the request: the Auth server forwards it to STS.
public struct IAMProver: JoinProver {
    public let name = IAMJoinMethod.methodName
    let settings: IAMProverSettings
    let environment: [String: String]
    let credentials: any AWSCredentialProvider
    let clock: any JoinClock
    let logger: Logger

    /// - Parameters:
    ///   - environment: overrides ``JoinCore/ProverContext/environment`` (tests), where
    ///     credentials (`AWS_ACCESS_KEY_ID`, shared files, instance role) and
    ///     the region (`AWS_REGION`, `AWS_DEFAULT_REGION`, profile) come from.
    ///   - credentials: overrides the standard chain (tests).
    public init(context: ProverContext, environment: [String: String]? = nil,
                credentials: (any AWSCredentialProvider)? = nil) throws {
        let environment = environment ?? context.environment
        settings = try IAMProverSettings(section: context.joinParams[IAMProverSettings.sectionKey],
                                         field: (context.joinParamsPath + [IAMProverSettings.sectionKey]).joined(separator: "."),
                                         environment: environment)
        self.environment = environment
        self.credentials = try credentials ?? AWSCredentialChain.standard(environment: environment, httpClient: .shared)
        clock = context.clock
        logger = context.logger
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        let challengeText = String(decoding: challenge, as: UTF8.self)
        guard IAMChallenge.isWellFormed(challengeText) else {
            throw JoinError.badParameter("iam: the Auth server sent a challenge that is not base64 text; refusing to sign it")
        }
        guard let keyBinding = request.keyBinding else {
            throw JoinError.internalError("iam: no key binding to sign: the proof must be bound to the keys this join certifies")
        }
        let endpoint = try STSEndpointChoice(region: try region(), fips: settings.fips)
        if endpoint.movedForFIPS {
            logger.info("iam: this region has no FIPS STS endpoint; signing for \(endpoint.host) (us-east-1) instead")
        }
        let found: AWSCredentials?
        if let chain = credentials as? AWSCredentialChain {
            found = try await chain.resolve()
        } else {
            found = try await credentials.credentials()
        }
        guard let found else {
            throw JoinError.notFound("iam: no AWS credentials found to sign the GetCallerIdentity request")
        }
        var signable = STSIdentityRequestBuilder.request(host: endpoint.host, challenge: challengeText, keyBinding: keyBinding)
        try SigV4Signer().sign(&signable, credentials: found, region: endpoint.signingRegion, service: "sts", date: clock.now)
        return Data(STSIdentityRequestBuilder.wireBytes(signable))
    }

    private func region() throws -> String {
        if let region = try AWSRegionResolver(environment: environment).region() { return region }
        logger.info("iam: no AWS region configured (AWS_REGION, AWS_DEFAULT_REGION or the profile's region); using us-east-1, which fails outside the aws partition")
        return "us-east-1"
    }
}

/// The unsigned GetCallerIdentity request and its HTTP/1.1 wire form.
enum STSIdentityRequestBuilder {
    static func request(host: String, challenge: String, keyBinding: KeyBinding) -> SignableRequest {
        let body = Array(STSIdentityRequestChecks.expectedBody.utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: STSIdentityRequestChecks.challengeHeader, value: challenge)
        headers.add(name: STSIdentityRequestChecks.keyBindingHeader, value: keyBinding.text)
        headers.add(name: "Content-Length", value: String(body.count))
        return SignableRequest(method: "POST", path: "/", headers: headers, body: body)
    }

    /// `POST / HTTP/1.1`, each header as `Name: value`, an empty line, the body; CRLF throughout.
    static func wireBytes(_ request: SignableRequest) -> [UInt8] {
        var text = "\(request.method) \(request.path.isEmpty ? "/" : request.path) HTTP/1.1\r\n"
        for header in request.headers {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + request.body
    }
}

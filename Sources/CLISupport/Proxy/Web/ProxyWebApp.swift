import CLIKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import NIOHTTP1
import ProxyService
import SwiftASN1
import Transport
import X509

/// Everything the Proxy Service serves over HTTP/1 on its web port:
/// - `GET /webapi/ping`, `GET /v1/webapi/find`: discovery (``ProxyWebAPI``);
/// - `GET|POST /web/invite/<token>`: the invite page (``InvitePage``);
/// - `POST /v1/webapi/ssh/certs`: `tsh login` — a password, an OTP code and two public keys
///   in, the user's SSH and TLS certificates out.
/// Credentials are relayed to the Auth server, which decides, rate-limits and audits; the
/// proxy adds only the client's address.
struct ProxyWebApp: WebResponder {
    let api: ProxyWebAPI
    let access: Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>?
    let authServer: AuthAddress
    /// How users name this proxy (`tsh login --proxy=…` on the done page).
    let proxyAddress: String

    static let invitePrefix = "/web/invite/"

    func respond(_ request: WebRequest) async -> WebResponse {
        let path = request.path
        if path.hasPrefix(Self.invitePrefix) {
            let token = String(path.dropFirst(Self.invitePrefix.count))
            switch request.method {
            case .GET, .HEAD: return await invitePage(token: token)
            case .POST: return await completeInvite(token: token, request)
            default: return .error(.methodNotAllowed, "use GET or POST")
            }
        }
        if path == WebSignIn.path {
            guard request.method == .POST else { return .error(.methodNotAllowed, "use POST") }
            return await signIn(request)
        }
        guard request.method == .GET || request.method == .HEAD else {
            return .error(.methodNotAllowed, "only GET and HEAD are served here")
        }
        let answer = api.respond(path: request.uri)
        return WebResponse(status: HTTPResponseStatus(statusCode: answer.status), contentType: "application/json", body: answer.body)
    }

    private func invitePage(token: String) async -> WebResponse {
        do {
            let details = try await call { try await $0.getInvite(.with { $0.token = token }) }
            return .html(.ok, InvitePage.form(Self.details(details), token: token))
        } catch {
            return .html(Self.status(of: error), InvitePage.invalid(Self.message(of: error)))
        }
    }

    private func completeInvite(token: String, _ request: WebRequest) async -> WebResponse {
        let form = FormFields(request.body)
        let details: Joinery_V1_InviteDetails
        do {
            details = try await call { try await $0.getInvite(.with { $0.token = token }) }
        } catch {
            return .html(Self.status(of: error), InvitePage.invalid(Self.message(of: error)))
        }
        guard form["password"] == form["password_confirm"] else {
            return .html(.badRequest, InvitePage.form(Self.details(details), token: token, error: "the passwords do not match"))
        }
        do {
            let done = try await call {
                try await $0.completeInvite(.with {
                    $0.token = token
                    $0.password = form["password"]
                    $0.otpCode = form["otp_code"].trimmingCharacters(in: .whitespaces)
                    $0.clientAddr = request.clientAddress
                })
            }
            return .html(.ok, InvitePage.done(user: done.user, proxy: proxyAddress))
        } catch {
            return .html(Self.status(of: error), InvitePage.form(Self.details(details), token: token, error: Self.message(of: error)))
        }
    }

    private func signIn(_ request: WebRequest) async -> WebResponse {
        guard request.contentType == "application/json" else {
            return .error(.unsupportedMediaType, "send the sign-in as application/json")
        }
        let input: WebSignIn.Request
        let sshKey: SSHPublicKey
        let tlsKey: Data
        do {
            input = try JSONDecoder().decode(WebSignIn.Request.self, from: Data(request.body))
            sshKey = try SSHPublicKey(authorizedKey: input.pubKey)
            guard let der = Data(base64Encoded: input.tlsPubKey) else { throw JoinError.badParameter("tls_pub_key is not base64") }
            tlsKey = der
        } catch {
            return .error(.badRequest, "the sign-in request is malformed: \(Self.message(of: error))")
        }
        do {
            let answer = try await call {
                try await $0.authenticateUser(.with {
                    $0.user = input.user
                    $0.password = input.password
                    $0.otpCode = input.otpToken ?? ""
                    $0.publicKeys = .with {
                        $0.publicSshKey = Data(sshKey.wireBytes)
                        $0.publicTlsKey = tlsKey
                    }
                    $0.ttlSeconds = input.ttl ?? 0
                    $0.clientAddr = request.clientAddress
                })
            }
            let certificates = answer.certificates
            let sshCertificate = try SSHCertificate(wireBytes: Array(certificates.sshCert))
            return .json(.ok, WebSignIn.Response(
                username: input.user, sshCert: sshCertificate.authorizedKey,
                tlsCert: try Self.pem(certificates.tlsCert), hostCACerts: try certificates.tlsCaCerts.map(Self.pem),
                hostCASSHKeys: try certificates.sshCaKeys.map { try SSHPublicKey(wireBytes: $0).authorizedKey },
                roles: answer.roles, logins: answer.logins,
                expires: RFC3339.format(Date(timeIntervalSince1970: TimeInterval(answer.expiresUnix))),
                clusterName: answer.clusterName))
        } catch {
            return .error(Self.status(of: error), Self.message(of: error))
        }
    }

    private func call<T: Sendable>(_ body: @Sendable (Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        guard let access else { throw JoinError.unavailable("this Proxy Service has no connection to the Auth server") }
        return try await RPCErrorTranslation.translating(authServer) { try await body(access) }
    }

    static func details(_ details: Joinery_V1_InviteDetails) -> InvitePage.Details {
        InvitePage.Details(user: details.user, otpSecret: details.otpRequired ? details.otpSecret : nil,
                           otpURI: details.otpRequired ? details.otpUri : nil,
                           expires: Date(timeIntervalSince1970: TimeInterval(details.expiresUnix)), reset: details.reset)
    }

    static func pem(_ der: Data) throws -> String {
        try Certificate(derEncoded: Array(der)).serializeAsPEM().pemString + "\n"
    }

    static func message(of error: any Error) -> String {
        (error as? JoinError)?.message ?? "\(error)"
    }

    static func status(of error: any Error) -> HTTPResponseStatus {
        switch (error as? JoinError)?.kind {
        case .accessDenied?: .forbidden
        case .badParameter?: .badRequest
        case .notFound?: .notFound
        case .limitExceeded?: .tooManyRequests
        case .unavailable?: .serviceUnavailable
        default: .internalServerError
        }
    }
}

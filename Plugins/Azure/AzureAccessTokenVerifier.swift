import Foundation
import JoinCore
import OIDCKit

/// Checks the access token a VM's managed identity got from IMDS for Azure Resource Manager:
/// signed by Microsoft Entra ID for the VM's tenant (issuer `https://sts.windows.net/<tid>/`,
/// keys from that issuer's OpenID discovery, through OIDCKit), for the audience
/// `https://management.azure.com/`, current. Its `xms_az_rid` (a user-assigned identity) or
/// `xms_mirid` (the VM's own identity) names the VM.
///
/// The issuer's base is `JOINERY_OIDC_ISSUER_URL_AZURE` when set (tests, sovereign clouds),
/// else `https://sts.windows.net`; the tenant, which comes from the still-unverified token, is
/// accepted only as a GUID-like name, so it cannot steer the fetch elsewhere on that host.
struct AzureAccessTokenVerifier: Sendable {
    static let audience = "https://management.azure.com/"
    static let defaultIssuerBase = "https://sts.windows.net"

    let issuerBase: String
    let keyCache: KeySetCache
    let http: OIDCHTTPClient
    let verifier = IDTokenVerifier(policy: .jobLifetime)

    init(environment: [String: String], keyCache: KeySetCache) {
        issuerBase = IssuerContext(clusterName: "", environment: environment).issuerBase(Self.defaultIssuerBase, method: "azure")
        self.keyCache = keyCache
        http = OIDCHTTPClient(environment: environment)
    }

    /// What a verified token says of the VM.
    struct Identity: Sendable, Equatable {
        var tenant: String
        var virtualMachine: AzureResourceID
    }

    func verify(_ token: String, now: Date) async throws -> Identity {
        let unverified: UnverifiedIDToken
        do {
            unverified = try UnverifiedIDToken(token)
        } catch let error as JoinError {
            throw AzureErrors.accessToken(error.message)
        }
        guard let tenant = unverified.claims["tid"]?.stringValue, Self.isTenantName(tenant) else {
            throw AzureErrors.accessToken("it has no tenant (\"tid\") claim that is a tenant ID")
        }
        let issuer = issuerBase.hasSuffix("/") ? "\(issuerBase)\(tenant)/" : "\(issuerBase)/\(tenant)/"
        let claims: VerifiedClaims
        do {
            claims = try await verifier.verify(
                token, trust: IssuerTrust(issuer: issuer, keys: .discovered(keyCache, http), audience: Self.audience), now: now)
        } catch let error as JoinError where error.kind == .accessDenied || error.kind == .badParameter {
            throw AzureErrors.accessToken(error.message)
        }
        let named = [claims["xms_az_rid"]?.stringValue, claims["xms_mirid"]?.stringValue].compactMap { $0 }.first { !$0.isEmpty }
        guard let named else {
            throw AzureErrors.accessToken("it names no resource (no xms_mirid or xms_az_rid claim): it is not a managed identity's token")
        }
        guard let virtualMachine = AzureResourceID(virtualMachine: named) else {
            throw AzureErrors.accessToken(
                "it is for \(UntrustedString.quoted(named, limit: 300)), not a virtual machine; a user-assigned identity must be "
                    + "used from the VM it is assigned to (its token then names the VM in xms_az_rid)")
        }
        return Identity(tenant: tenant, virtualMachine: virtualMachine)
    }

    static func isTenantName(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "-"
        } && text.unicodeScalars.allSatisfy(\.isASCII)
    }
}

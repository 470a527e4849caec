import Foundation
import JoinCore
import OIDCKit

/// The `gcp` join method (Teleport's): a Compute Engine VM (or a GKE workload with Workload
/// Identity) proves its project, zone and service account with the identity token Google
/// signs for it, minted for `teleport.cluster.local`.
public enum GCPProfile: OIDCJoinProfile {
    public static let methodName = "gcp"
    public static let sectionKey = "gcp"
    public static let defaultIssuer = "https://accounts.google.com"
    /// Teleport's: the token is asked for and checked with this audience, whatever the cluster's name.
    public static let audience = "teleport.cluster.local"
    /// The derived claim the `locations` rule reads: the instance's region and zone.
    static let locationClaim = "gcp_locations"
    public static let hasFixedIssuer = true
    /// Minted by the metadata server for each join.
    public static let timePolicy = TokenTimePolicy.standard

    public static var missingSection: String { "\"gcp\" configuration must be provided for the join method \"gcp\"" }

    public static func section(_ value: JSONValue) throws -> GCPSection {
        try GCPSection(value)
    }

    public static func issuer(of section: GCPSection, context: IssuerContext) throws -> IssuerChoice {
        IssuerChoice(issuer: context.issuerBase(defaultIssuer, method: methodName), audience: audience)
    }

    /// The Compute Engine facts, flattened for the rules and the audit. A GKE Workload Identity
    /// token has none: its project is read from its service account's email, and Compute
    /// Engine's default service account (shared by every VM of a project) is refused.
    public static func inspect(_ claims: VerifiedClaims, section: GCPSection) throws -> VerifiedClaims {
        var all = claims.all
        let email = claims["email"]?.stringValue ?? ""
        let compute = claims["google"]?["compute_engine"]
        var project = compute?["project_id"]?.stringValue ?? ""
        let zone = compute?["zone"]?.stringValue ?? ""
        let hasComputeFacts = ["project_id", "zone", "instance_id", "instance_name"].contains {
            !(compute?[$0].flatMap(ClaimText.scalar) ?? "").isEmpty
        }
        if !hasComputeFacts {
            if email.hasSuffix("@developer.gserviceaccount.com") {
                throw JoinError.accessDenied("default compute engine service account \(UntrustedString.quoted(email)) is not supported")
            }
            // `<name>@<project>.iam.gserviceaccount.com`, the project without a dot.
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            let suffix = ".iam.gserviceaccount.com"
            guard parts.count == 2, !parts[0].isEmpty, parts[1].hasSuffix(suffix),
                  case let fromEmail = parts[1].dropLast(suffix.count), !fromEmail.isEmpty, !fromEmail.contains(".") else {
                throw JoinError.accessDenied("invalid email claim: \(UntrustedString.quoted(email))")
            }
            project = String(fromEmail)
            all["google"] = .object(["compute_engine": .object(["project_id": .string(project)])])
        }
        all["gcp_project_id"] = .string(project)
        if !zone.isEmpty { all["gcp_zone"] = .string(zone) }
        for (claim, fact) in [("instance_id", "gcp_instance_id"), ("instance_name", "gcp_instance_name")] {
            if let value = compute?[claim].flatMap(ClaimText.scalar) { all[fact] = .string(value) }
        }
        all[locationClaim] = .array(locations(ofZone: zone).map(JSONValue.string))
        return VerifiedClaims(issuer: claims.issuer, all: all)
    }

    /// A zone (`us-west1-b`) is in its region (`us-west1`) and itself; anything else is in no location.
    static func locations(ofZone zone: String) -> [String] {
        let parts = zone.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return [] }
        return ["\(parts[0])-\(parts[1])", zone]
    }

    /// Teleport's words when a rule failed only because a workload outside a VM has no zone.
    public static func noMatch(_ claims: VerifiedClaims, section: GCPSection) -> String {
        let zone = claims["gcp_zone"]?.stringValue ?? ""
        if zone.isEmpty, section.allow.contains(where: { !$0.locations.isEmpty }) {
            return "id token \"google.compute_engine.zone\" claim is empty and didn't match the \"locations\". Services running outside of GCE VM instances are incompatible with \"location\" restriction; id token claims did not match any allow rules"
        }
        return noMatchingRule
    }
}

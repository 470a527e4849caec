import Foundation
import JoinCore

/// Every message the `ec2` method refuses a token or a join with, worded once
/// (docs/join-methods/ec2.md lists them under "Creating the token" and "A refused join").
/// Text taken from a document not yet verified is cleaned with `UntrustedString.sanitize`.
/// Errors of the Auth server's own setup (`auth_service.aws`, the certificate files) are
/// worded where that setup is read.
enum EC2Errors {
    // MARK: Creating the token (`tctl create`)

    static let noAllowRules = JoinError.badParameter("the \"ec2\" join method requires defined token allow rules")

    static func allowRuleHasARN(index: Int) -> JoinError {
        .badParameter("spec.allow[\(index)]: the \"ec2\" join method does not support aws_arn (it is for the iam method)")
    }

    static func allowRuleNamesNoAccount(index: Int) -> JoinError {
        .badParameter("spec.allow[\(index)]: allow rule for \"ec2\" join method must include aws_account or aws_role")
    }

    static func notAnAccountID(index: Int, _ account: String) -> JoinError {
        .badParameter("spec.allow[\(index)].aws_account: \"\(account)\" is not a 12-digit AWS account ID")
    }

    static let botsNotSupported = JoinError.badParameter("the \"ec2\" join method cannot be used by bots")

    // MARK: A refused join

    static let noDocument = JoinError.accessDenied("the client sent no instance identity document")

    /// The document is not the `rsa2048` form IMDS serves, or not an identity document.
    static func undecodableDocument(_ reason: String) -> JoinError {
        .accessDenied("unable to decode Instance Identity Document: \(reason)")
    }

    static func notARegionName(_ region: String) -> JoinError {
        .accessDenied("unsupported EC2 region \"\(UntrustedString.sanitize(region))\": not an AWS region name")
    }

    /// `region` is a valid region name with no certificate; the message says where to add one.
    static func unknownRegion(_ region: String, overrideDirectory: URL?, bundleProblem: String?) -> JoinError {
        var message = "unsupported EC2 region \"\(region)\": no AWS certificate for it; "
        if let overrideDirectory {
            message += "add \(overrideDirectory.appendingPathComponent("\(region).pem").path) (the directory \(RegionCertificates.overrideSetting) names) with AWS's RSA-2048 certificate for that region"
        } else {
            message += "add DIR/\(region).pem and set \(RegionCertificates.overrideSetting): DIR"
        }
        if let bundleProblem {
            message += " (\(bundleProblem))"
        }
        return .accessDenied(message)
    }

    /// `detail` is OpenSSL's reasons, in parentheses after a space, or empty.
    static func notSignedByRegion(_ region: String, detail: String) -> JoinError {
        .accessDenied("invalid signature: the document was not signed by the certificate for region \(region)\(detail)")
    }

    static func regionMismatch(documentRegion: String, certificateRegion: String) -> JoinError {
        .accessDenied("invalid signature: the document's region \"\(UntrustedString.sanitize(documentRegion))\" is not the region \(certificateRegion) whose certificate verified it")
    }

    static func documentFromTheFuture(pendingTime: Date, ahead: TimeInterval, tolerance: TimeInterval) -> JoinError {
        .accessDenied(
            "instance identity document pendingTime \(RFC3339.format(pendingTime)) is in the future (\(GoDuration(seconds: ahead)) ahead of this Auth server's clock, more than the \(GoDuration(seconds: tolerance)) tolerated): check the clocks")
    }

    static func documentTooOld(pendingTime: Date, ttl: TimeInterval, age: TimeInterval) -> JoinError {
        .accessDenied(
            "instance identity document with pendingTime \(RFC3339.format(pendingTime)) is older than the configured TTL (aws_iid_ttl \(GoDuration(seconds: ttl)); it is \(GoDuration(seconds: age)) old): join within the TTL of the instance's launch or start, or raise aws_iid_ttl in the token")
    }

    static func unsupportedRole(_ role: SystemRole) -> JoinError {
        .badParameter("role \(role) is unsupported for the EC2 join method")
    }

    static func alreadyJoined(hostID: String, role: SystemRole) -> JoinError {
        .accessDenied("server with host ID \"\(hostID)\" and role \"\(role)\" already exists")
    }

    static func noMatchingRule(hostID: String, token: String) -> JoinError {
        .accessDenied("instance \(hostID) did not match any allow rules in token \(token)")
    }

    /// `reason` is why `DescribeInstances` (or the `AssumeRole` before it) gave no answer.
    static func instanceStateUnavailable(_ reason: String) -> JoinError {
        .accessDenied("failed to get instance state: \(reason)")
    }

    static func instanceNotFound(instanceID: String, account: String, region: String) -> JoinError {
        .accessDenied("failed to get instance state: instance \(instanceID) was not found in account \(account), region \(region)")
    }

    static func notRunning(instanceID: String, state: String) -> JoinError {
        .accessDenied("instance \(instanceID) is not running (state: \(state))")
    }
}

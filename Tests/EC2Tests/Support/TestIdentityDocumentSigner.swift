import EC2Join
import Foundation

/// A test CA that signs instance identity documents the way AWS does, so tests (and a fake
/// IMDS serving `/latest/dynamic/instance-identity/rsa2048`) can make documents for any
/// account, region, instance and time.
///
/// It shells out to the `openssl` tool: an RSA-2048 key with a self-signed certificate
/// (`openssl req -x509`), and `openssl cms -sign -binary -nodetach -nocerts -md sha256
/// -outform DER` for the SignedData — content embedded, no certificate embedded, signed
/// attributes, SHA-256 with RSA PKCS#1 v1.5, as in AWS's documents. The output is base64
/// wrapped at 64 columns with LF, as IMDS serves it. To make a verifier trust this CA, put
/// its certificate in a directory as `<region>.pem` (``makeCertificatesDirectory(regions:)``)
/// and pass that directory as `auth_service.aws.ec2_certificates_dir`.
///
/// Files live in a fresh temporary folder removed when the signer is released.
final class TestIdentityDocumentSigner: Sendable {
    /// The folder holding `key.pem` and `cert.pem`.
    let directory: URL
    var keyURL: URL { directory.appendingPathComponent("key.pem") }
    var certificateURL: URL { directory.appendingPathComponent("cert.pem") }
    /// The CA certificate in PEM, to install as `<region>.pem`.
    let certificatePEM: Data

    init(commonName: String = "Joinery test EC2 identity document CA") throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("joinery-ec2-signer-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-subj", "/O=Joinery tests/CN=\(commonName)",
            "-keyout", directory.appendingPathComponent("key.pem").path,
            "-out", directory.appendingPathComponent("cert.pem").path,
        ])
        certificatePEM = try Data(contentsOf: directory.appendingPathComponent("cert.pem"))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Signs `content` (any bytes; normally an identity document's JSON) and returns the base64
    /// text IMDS would serve. `embedCertificate` adds the signer certificate to the SignedData,
    /// which AWS never does: a forger's trick the verifier must not fall for.
    /// `detached` leaves the content out of the SignedData.
    func sign(_ content: Data, embedCertificate: Bool = false, detached: Bool = false) throws -> Data {
        let work = directory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("document.json")
        let output = work.appendingPathComponent("document.p7")
        try content.write(to: input)
        var arguments = ["cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
                         "-signer", certificateURL.path, "-inkey", keyURL.path,
                         "-in", input.path, "-out", output.path]
        if !detached { arguments.append("-nodetach") }
        if !embedCertificate { arguments.append("-nocerts") }
        try Self.openssl(arguments)
        return Self.imdsBase64(try Data(contentsOf: output))
    }

    /// Signs `document` written as AWS writes it (pretty-printed JSON, no trailing newline).
    func sign(_ document: InstanceIdentityDocument) throws -> Data {
        try sign(Self.awsStyleJSON(document))
    }

    /// A fresh folder with this CA's certificate as `<region>.pem` for each region, for
    /// `auth_service.aws.ec2_certificates_dir`. The caller removes it (or leaves it in tmp).
    func makeCertificatesDirectory(regions: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("joinery-ec2-certs-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for region in regions {
            try installCertificate(in: folder, region: region)
        }
        return folder
    }

    /// Writes this CA's certificate as `folder/<region>.pem`.
    func installCertificate(in folder: URL, region: String) throws {
        try certificatePEM.write(to: folder.appendingPathComponent("\(region).pem"))
    }

    /// A document with plausible values for the fields the tests do not care about.
    static func document(
        accountId: String = "123456789012", region: String = "us-west-2",
        instanceId: String = "i-0123456789abcdef0", pendingTime: Date
    ) -> InstanceIdentityDocument {
        InstanceIdentityDocument(
            accountId: accountId, region: region, instanceId: instanceId, pendingTime: pendingTime,
            availabilityZone: "\(region)a", instanceType: "t3.micro", imageId: "ami-0123456789abcdef0",
            privateIp: "10.0.0.10", architecture: "x86_64", version: "2017-09-30")
    }

    /// AWS's layout: pretty-printed, `" : "` separators, no trailing newline.
    static func awsStyleJSON(_ document: InstanceIdentityDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    /// Base64 in 64-column lines joined by LF.
    static func imdsBase64(_ der: Data) -> Data {
        let text = der.base64EncodedString()
        var lines: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(text[index..<end])
            index = end
        }
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Runs `openssl` from PATH; throws with its standard error if it fails.
    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLToolError(arguments: arguments, status: process.terminationStatus,
                                   message: String(decoding: message, as: UTF8.self))
        }
    }

    struct OpenSSLToolError: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let message: String
        var description: String { "openssl \(arguments.joined(separator: " ")) exited \(status): \(message)" }
    }
}

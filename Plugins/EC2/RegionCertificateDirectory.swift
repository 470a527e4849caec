import Foundation
import JoinCore

/// Reads a folder of `<region>.pem` files: the bundled AWS certificates and the operator's
/// `auth_service.aws.ec2_certificates_dir` have the same shape.
///
/// Every `.pem` file must be named after a region and hold a certificate; a misnamed or
/// broken file is an error at startup rather than a join that fails later. Other files and
/// hidden files are ignored, so a README or an editor's backup can sit beside the certificates.
enum RegionCertificateDirectory {
    /// A certificate file is a few kilobytes; anything much larger is not one.
    static let maximumFileSize = 64 * 1024

    static func load(_ directory: URL, describedAs kind: String) throws -> [String: RegionCertificate] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw JoinError.badParameter("cannot read the \(kind) directory \(directory.path): \(error.localizedDescription)")
        }
        var certificates: [String: RegionCertificate] = [:]
        for name in names.sorted() where name.hasSuffix(".pem") && !name.hasPrefix(".") {
            let region = String(name.dropLast(".pem".count))
            let file = directory.appendingPathComponent(name)
            guard RegionName.isValid(region) else {
                throw JoinError.badParameter("\(file.path): the file name must be <region>.pem with an AWS region name such as us-west-2.pem")
            }
            let pem = try readBounded(file, kind: kind)
            certificates[region] = try RegionCertificate(region: region, pem: pem, source: "\(kind) \(file.path)")
        }
        return certificates
    }

    private static func readBounded(_ file: URL, kind: String) throws -> Data {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw JoinError.badParameter("cannot read the \(kind) \(file.path): \(error.localizedDescription)")
        }
        guard data.count <= maximumFileSize else {
            throw JoinError.badParameter("\(file.path) is \(data.count) bytes, more than a certificate file can be (\(maximumFileSize))")
        }
        return data
    }
}

/// The shape of an AWS region name (`us-west-2`, `us-gov-east-1`, `eusc-de-east-1`).
///
/// A region read from a document is untrusted until the signature is checked; this keeps it
/// from reaching file names or messages in any other shape.
enum RegionName {
    static let maximumLength = 64

    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maximumLength,
              let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
    }
}

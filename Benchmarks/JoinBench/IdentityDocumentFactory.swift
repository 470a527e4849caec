import EC2Join
import Foundation
import TestSupport

/// Makes signed EC2 instance identity documents for the storm, the way AWS makes them (CMS
/// SignedData over the JSON, content attached, no certificates, SHA-256 with RSA), with a
/// throwaway CA that the benchmark's Auth server is told to trust. Signing 1,000 documents in
/// one Python process (the `cryptography` package that moto brings) takes a second; 1,000
/// `openssl cms` runs would take most of a minute.
struct IdentityDocumentFactory {
    let directory: URL

    /// `(certificate PEM, [IMDS-style base64 document])` for `instanceIDs`.
    func make(account: String, region: String, instanceIDs: [String], pendingTime: Date) throws -> (Data, [Data]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let documents = try instanceIDs.map { id in
            String(decoding: try encoder.encode(InstanceIdentityDocument(
                accountId: account, region: region, instanceId: id, pendingTime: pendingTime,
                availabilityZone: "\(region)a", instanceType: "t3.micro", imageId: "ami-12345678", privateIp: "10.0.0.10",
                architecture: "x86_64", version: "2017-09-30")), as: UTF8.self)
        }
        let input = directory.appendingPathComponent("documents.json")
        try JSONSerialization.data(withJSONObject: documents).write(to: input)
        let script = directory.appendingPathComponent("sign.py")
        try Self.python.write(to: script, atomically: true, encoding: .utf8)
        let result = try Command.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, input.path, directory.path], timeout: 300)
        guard result.status == 0 else { throw BenchmarkFailure("signing identity documents failed: \(result.stderr)") }
        let signed = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("signed.json"))) as? [String] ?? []
        return (try Data(contentsOf: directory.appendingPathComponent("ca.pem")), signed.map { Data($0.utf8) })
    }

    private static let python = #"""
    import base64, datetime, json, sys
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID
    documents, out = json.load(open(sys.argv[1])), sys.argv[2]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "joinery-bench EC2 CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
    open(out + "/ca.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    options = [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCerts]
    signed = []
    for document in documents:
        der = (pkcs7.PKCS7SignatureBuilder().set_data(document.encode()).add_signer(cert, key, hashes.SHA256())
               .sign(serialization.Encoding.DER, options))
        text = base64.b64encode(der).decode()
        signed.append("\n".join(text[i:i + 64] for i in range(0, len(text), 64)))
    json.dump(signed, open(out + "/signed.json", "w"))
    """#
}

/// A benchmark set-up step that failed.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

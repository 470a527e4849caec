import Foundation
import JoinCore
import NIOSSL

/// The TLS settings a conn string's `sslmode` and certificate files ask for, as NIOSSL
/// client configuration.
extension PostgreSQLConnectionString {
    /// `nil` for `sslmode=disable`; otherwise the configuration every connection uses.
    ///
    /// - Throws: `.badParameter` naming the file when `sslrootcert`, `sslcert` or `sslkey`
    ///   cannot be read as PEM.
    func tlsConfiguration() throws -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return nil
        case .require:
            // libpq's meaning: encrypted, but the server's certificate is not checked.
            configuration.certificateVerification = .none
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        }
        if let sslRootCert {
            let roots = try Self.readPEM(sslRootCert, parameter: "sslrootcert") { try NIOSSLCertificate.fromPEMFile($0) }
            guard !roots.isEmpty else {
                throw Self.unreadable(sslRootCert, parameter: "sslrootcert", reason: "it holds no PEM certificate")
            }
            configuration.trustRoots = .certificates(roots)
        }
        if let sslCert, let sslKey {
            let chain = try Self.readPEM(sslCert, parameter: "sslcert") { try NIOSSLCertificate.fromPEMFile($0) }
            guard !chain.isEmpty else {
                throw Self.unreadable(sslCert, parameter: "sslcert", reason: "it holds no PEM certificate")
            }
            let key = try Self.readPEM(sslKey, parameter: "sslkey") { try NIOSSLPrivateKey(file: $0, format: .pem) }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        return configuration
    }

    private static func readPEM<T>(_ path: String, parameter: String, _ read: (String) throws -> T) throws -> T {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw unreadable(path, parameter: parameter, reason: "it does not exist or this user may not read it")
        }
        do {
            return try read(path)
        } catch {
            throw unreadable(path, parameter: parameter, reason: "it is not PEM (\(error))")
        }
    }

    private static func unreadable(_ path: String, parameter: String, reason: String) -> JoinError {
        JoinError.badParameter("the PostgreSQL conn_string's \(parameter) file \(path) cannot be used: \(reason)")
    }
}

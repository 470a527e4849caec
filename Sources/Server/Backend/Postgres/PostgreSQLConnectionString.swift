import Foundation
import JoinCore

/// Where the PostgreSQL backend connects, parsed from Teleport's
/// `teleport.storage.conn_string`:
/// `postgresql://user[:password]@host[:port]/database?sslmode=…` (or `postgres://…`).
///
/// The password is kept for connecting and nowhere else: ``description`` and every error this
/// type or the backend produces leave it out. Parsing is strict, because a conn string that
/// means something other than what its author thought would be discovered only when the Auth
/// servers fail to agree: every part that is missing, malformed or not supported is named.
///
/// Query parameters:
/// - `sslmode`: `disable` (no TLS), `require` (TLS, certificate not checked), `verify-ca`
///   (TLS, certificate chain checked), `verify-full` (chain and host name checked; the
///   default when `sslmode` is absent). `allow` and `prefer` are refused: they fall back to
///   plain text without saying so.
/// - `sslrootcert`: a PEM file of CA certificates to trust instead of the system's
///   (`verify-ca` / `verify-full` only).
/// - `sslcert`, `sslkey`: a PEM client certificate and its key, given together, for servers
///   that authenticate clients by certificate (as Teleport's guides set up).
/// - `pool_max_conns`: the most connections this Auth server opens (default 20).
/// - `connect_timeout`: seconds one connection attempt may take (default 10).
public struct PostgreSQLConnectionString: Sendable, Equatable, CustomStringConvertible {
    /// How TLS is used, with libpq's names.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    /// Never printed; see the type's documentation.
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCert: String?
    public var sslCert: String?
    public var sslKey: String?
    public var poolMaxConnections: Int?
    public var connectTimeout: Duration?

    public static let defaultPort = 5432
    static let schemes = ["postgresql://", "postgres://"]
    static let supportedParameters = ["sslmode", "sslrootcert", "sslcert", "sslkey", "pool_max_conns", "connect_timeout"]

    /// `host:port`, with an IPv6 address in brackets: how errors and logs name the server.
    public var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The conn string without the password (`postgresql://joinery@db:5432/teleport?sslmode=verify-full`).
    public var description: String {
        let user = Self.percentEncoded(self.user)
        return "postgresql://\(user)@\(endpoint)/\(Self.percentEncoded(database))?sslmode=\(sslMode.rawValue)"
    }

    /// Parses `text`; every error is `.badParameter`, names what is wrong, and never repeats
    /// the text itself (it may hold a password).
    public init(parsing text: String) throws {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let scheme = Self.schemes.first(where: { text.lowercased().hasPrefix($0) }) else {
            throw Self.malformed("it must start with postgresql:// or postgres://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        if rest.contains("#") {
            throw Self.malformed("it contains \"#\"; percent-encode it as %23 (a password may hold it only encoded)")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        // The user part ends at the last "@", so a password may contain "/" and ":".
        guard let at = rest.lastIndex(of: "@") else {
            throw Self.malformed(
                "it names no user (postgresql://USER@HOST/DATABASE); if the password contains \"?\", \"@\" or \"%\", percent-encode them")
        }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]

        let userText: Substring, passwordText: Substring?
        if let colon = userInfo.firstIndex(of: ":") {
            userText = userInfo[..<colon]
            passwordText = userInfo[userInfo.index(after: colon)...]
        } else {
            userText = userInfo
            passwordText = nil
        }
        user = try Self.decoded(userText, part: "the user name")
        guard !user.isEmpty else { throw Self.malformed("the user name before \"@\" is empty") }
        password = try passwordText.map { try Self.decoded($0, part: "the password") }

        let hostPort: Substring, path: Substring
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            hostPort = rest
            path = ""
        }
        (host, port) = try Self.hostAndPort(hostPort)
        let database = try Self.decoded(path, part: "the database name")
        guard !database.contains("/") else {
            throw Self.malformed("the database name \"\(database)\" contains \"/\"; percent-encode it as %2F if it is meant")
        }
        // As libpq does: no database means the one named after the user.
        self.database = database.isEmpty ? user : database

        let parameters = try Self.parameters(query)
        sslMode = try Self.sslMode(parameters["sslmode"])
        sslRootCert = parameters["sslrootcert"]
        sslCert = parameters["sslcert"]
        sslKey = parameters["sslkey"]
        poolMaxConnections = try parameters["pool_max_conns"].map { try Self.positiveInteger($0, name: "pool_max_conns", maximum: 1000) }
        connectTimeout = try parameters["connect_timeout"].map { .seconds(try Self.positiveInteger($0, name: "connect_timeout", maximum: 3600)) }
        try checkTLSFiles()
    }

    // MARK: Parts

    private static func hostAndPort(_ text: Substring) throws -> (String, Int) {
        guard !text.isEmpty else {
            throw malformed("it names no host (postgresql://USER@HOST[:PORT]/DATABASE); Unix sockets are not supported, use 127.0.0.1 for a local server")
        }
        guard !text.contains(",") else {
            throw malformed("it names several hosts; give exactly one (put a load balancer or a virtual address in front of a replicated server)")
        }
        var hostText: Substring, portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw malformed("the IPv6 address \"\(text)\" has no closing \"]\"")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                throw malformed("unexpected \"\(after)\" after the IPv6 address; write [ADDRESS]:PORT")
            }
        } else if let colon = text.firstIndex(of: ":") {
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if portText?.contains(":") == true {
                throw malformed("the host \"\(text)\" has more than one \":\"; write an IPv6 address in brackets: [ADDRESS]:PORT")
            }
        } else {
            hostText = text
            portText = nil
        }
        let host = try decoded(hostText, part: "the host")
        guard !host.isEmpty else { throw malformed("the host name is empty") }
        guard host.allSatisfy({ !$0.isWhitespace && $0 != "/" && $0 != "@" }) else {
            throw malformed("the host \"\(host)\" is not a host name or address")
        }
        guard let portText else { return (host, defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw malformed("the port \"\(portText)\" is not a number from 1 to 65535")
        }
        return (host, port)
    }

    private static func parameters(_ query: Substring) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw malformed("the parameter \"\(pair)\" has no value; write NAME=VALUE")
            }
            let name = try decoded(pair[..<equals], part: "a parameter name")
            let value = try decoded(pair[pair.index(after: equals)...], part: "the value of \(name)")
            guard supportedParameters.contains(name) else {
                throw malformed("the parameter \"\(name)\" is not supported; supported: \(supportedParameters.joined(separator: ", "))")
            }
            guard result[name] == nil else { throw malformed("the parameter \"\(name)\" is given twice") }
            guard !value.isEmpty else { throw malformed("the parameter \"\(name)\" is empty") }
            result[name] = value
        }
        return result
    }

    private static func sslMode(_ text: String?) throws -> SSLMode {
        guard let text else { return .verifyFull }
        if let mode = SSLMode(rawValue: text.lowercased()) { return mode }
        let supported = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
        if ["allow", "prefer"].contains(text.lowercased()) {
            throw malformed(
                "sslmode=\(text) is not supported: it falls back to an unencrypted connection without saying so; choose one of \(supported)")
        }
        throw malformed("sslmode=\(text) is not a TLS mode; choose one of \(supported)")
    }

    private static func positiveInteger(_ text: String, name: String, maximum: Int) throws -> Int {
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw malformed("\(name)=\(text) is not a whole number from 1 to \(maximum)")
        }
        return value
    }

    private func checkTLSFiles() throws {
        if (sslCert == nil) != (sslKey == nil) {
            throw Self.malformed("sslcert and sslkey go together: give both the client certificate and its key, or neither")
        }
        if sslMode == .disable, sslRootCert != nil || sslCert != nil {
            throw Self.malformed("sslrootcert, sslcert and sslkey need TLS, but sslmode=disable turns it off")
        }
        if sslMode == .require, sslRootCert != nil {
            throw Self.malformed(
                "sslmode=require does not check the server's certificate, so sslrootcert would be ignored; use sslmode=verify-ca or verify-full")
        }
    }

    // MARK: Helpers

    private static func decoded(_ text: Substring, part: String) throws -> String {
        guard let value = String(text).removingPercentEncoding else {
            throw malformed("\(part) has an invalid percent-encoding (\"%\" must be followed by two hex digits; write a literal \"%\" as %25)")
        }
        return value
    }

    private static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func malformed(_ reason: String) -> JoinError {
        JoinError.badParameter("the PostgreSQL conn_string is malformed: \(reason)")
    }
}

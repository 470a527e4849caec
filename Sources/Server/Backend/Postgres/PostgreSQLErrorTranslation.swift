#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JoinCore
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Turns what postgres-nio throws into ``JoinError``s a person can act on.
///
/// Only the server's SQLSTATE and primary message are used, never postgres-nio's debug
/// description (it holds the query and its bound values — item values hold secrets) nor the
/// server's `detail` field (a unique violation's detail repeats the key). The conn string's
/// password appears in nothing this type produces: servers are named by ``PostgreSQLTarget``.
enum PostgreSQLErrorTranslation {
    /// Why a connection could not be made, and whether trying again later may help.
    struct ConnectionFailure: Error, Sendable {
        var reason: String
        var advice: String
        /// Network trouble or a server starting up: retried at start. Refused logins,
        /// missing databases and TLS mismatches are not: they need a person.
        var retryable: Bool
    }

    /// The error for an operation whose statement ran (or began to run) and failed.
    static func translate(_ error: any Error, target: PostgreSQLTarget) -> any Error {
        if error is JoinError || error is CancellationError { return error }
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
            return inner.map { translate($0, target: target) }
                ?? JoinError.internalError("\(target): a transaction failed without an error")
        }
        guard let psqlError = error as? PSQLError else {
            if error is PostgresDecodingError {
                return JoinError.internalError(
                    "\(target): a stored row has an unexpected shape; the tables were changed outside Joinery")
            }
            return JoinError.internalError("\(target): \(type(of: error))")
        }
        if psqlError.code == .server {
            return serverError(psqlError, target: target)
        }
        if psqlError.code == .poolClosed {
            return closedError(target: target)
        }
        let failure = connectionFailure(psqlError)
        return JoinError.unavailable("lost the connection to \(target): \(failure.reason); \(failure.advice)")
    }

    /// The error for an operation that got no connection at all.
    static func unreachable(_ failure: ConnectionFailure, target: PostgreSQLTarget) -> JoinError {
        JoinError.unavailable("cannot reach \(target): \(failure.reason); \(failure.advice)")
    }

    static func closedError(target: PostgreSQLTarget) -> JoinError {
        JoinError.unavailable("the PostgreSQL backend for \(target) is closed; open a new one")
    }

    /// Classifies a failure to connect and log in.
    static func connectionFailure(_ error: any Error) -> ConnectionFailure {
        let network = "check that the server is running and accepts TCP connections on that address (listen_addresses and port in postgresql.conf, firewalls)"
        switch error {
        case let failure as ConnectionFailure:
            return failure
        case let psqlError as PSQLError:
            switch psqlError.code {
            case .server:
                return serverConnectionFailure(psqlError)
            case .sslUnsupported:
                return ConnectionFailure(
                    reason: "the server does not accept TLS",
                    advice: "enable ssl in postgresql.conf, or set sslmode=disable in conn_string for a server reached only over a trusted network",
                    retryable: false)
            case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
                return ConnectionFailure(reason: "TLS could not be set up", advice: "check the sslmode and the server's ssl settings", retryable: false)
            case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
                return ConnectionFailure(
                    reason: "the server asks for a login this client cannot give (\(psqlError.code))",
                    advice: "check pg_hba.conf for this user (scram-sha-256, md5, trust or cert) and that conn_string carries the password it needs",
                    retryable: false)
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                if let underlying = psqlError.underlying {
                    return connectionFailure(underlying)
                }
                return ConnectionFailure(reason: "the connection was closed", advice: network, retryable: true)
            default:
                return ConnectionFailure(reason: "\(psqlError.code)", advice: network, retryable: true)
            }
        case let connectionError as NIOConnectionError:
            if let first = connectionError.connectionErrors.first {
                return connectionFailure(first.error)
            }
            if connectionError.dnsAError != nil || connectionError.dnsAAAAError != nil {
                return ConnectionFailure(
                    reason: "the host name \(connectionError.host) does not resolve",
                    advice: "check the host in conn_string and this machine's DNS", retryable: true)
            }
            return ConnectionFailure(reason: "no address to connect to", advice: network, retryable: true)
        case let ioError as IOError:
            return ConnectionFailure(reason: String(cString: strerror(ioError.errnoCode)).lowercased(), advice: network, retryable: true)
        case ChannelError.connectTimeout(let timeout):
            return ConnectionFailure(
                reason: "no answer within \(timeout.nanoseconds / 1_000_000_000) s", advice: network, retryable: true)
        case let tlsError as NIOSSLError:
            return tlsFailure("\(tlsError)")
        case let tlsError as BoringSSLError:
            return tlsFailure("\(tlsError)")
        case is NIOSSLExtraError:
            return tlsFailure("\(error)")
        default:
            return ConnectionFailure(reason: "\(error)", advice: network, retryable: true)
        }
    }

    // MARK: Server errors

    private static func serverError(_ error: PSQLError, target: PostgreSQLTarget) -> JoinError {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "no message"
        switch state {
        case "22021", "22P05":
            return JoinError.badParameter(
                "\(target) cannot store a value: \(message) (SQLSTATE \(state)); keys must be UTF-8 text without NUL characters")
        case "40001", "40P01", "55P03":
            return JoinError.unavailable("\(target): \(message) (SQLSTATE \(state)); retry")
        case "42P01", "42703", "42883":
            return JoinError.internalError(
                "\(target): \(message) (SQLSTATE \(state)); the tables were changed outside Joinery; restore them from a backup")
        default:
            if state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") || state.hasPrefix("28") || state == "3D000" {
                let failure = serverConnectionFailure(error)
                return JoinError.unavailable("\(target): \(failure.reason); \(failure.advice)")
            }
            return JoinError.internalError("\(target): \(message) (SQLSTATE \(state))")
        }
    }

    /// A server error met while connecting or that means the connection is unusable.
    private static func serverConnectionFailure(_ error: PSQLError) -> ConnectionFailure {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "no message"
        let reason = "\(message) (SQLSTATE \(state))"
        if state.hasPrefix("28") {
            return ConnectionFailure(
                reason: reason,
                advice: "check the user and password in conn_string (the password never appears in messages) and this host's entry in the server's pg_hba.conf",
                retryable: false)
        }
        if state == "3D000" {
            return ConnectionFailure(
                reason: reason, advice: "create the database (CREATE DATABASE … OWNER …) or fix its name in conn_string", retryable: false)
        }
        if state.hasPrefix("57") || state.hasPrefix("08") {
            return ConnectionFailure(reason: reason, advice: "the server is starting, stopping or restarting; it is retried", retryable: true)
        }
        if state.hasPrefix("53") {
            return ConnectionFailure(
                reason: reason, advice: "the server is out of connections or disk; raise max_connections or lower pool_max_conns, and check its disk", retryable: true)
        }
        return ConnectionFailure(reason: reason, advice: "check the server's log", retryable: false)
    }

    private static func tlsFailure(_ detail: String) -> ConnectionFailure {
        let reason: String
        if detail.contains("failedToValidateHostname") {
            reason = "the TLS handshake failed: the server's certificate does not name the host in conn_string"
        } else if detail.contains("CERTIFICATE_VERIFY_FAILED") {
            reason = "the TLS handshake failed: the server's certificate is not signed by a trusted CA"
        } else {
            reason = "the TLS handshake failed (\(detail))"
        }
        return ConnectionFailure(
            reason: reason,
            advice: "check sslmode, that sslrootcert holds the CA that signed the server's certificate, and that the certificate names the host in conn_string",
            retryable: false)
    }
}

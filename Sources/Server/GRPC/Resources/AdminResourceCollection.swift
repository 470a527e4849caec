import Foundation
import JoinCore

/// One resource as the admin API returns it.
struct AdminResource: Sendable {
    var json: Data
    /// The resource's name is a secret (a `token`-method token): listings mask it.
    var nameIsSecret = false
    /// The resource comes from configuration and cannot be changed with tctl.
    var readOnly = false
}

/// A kind of resource tctl can create, read and delete (`token`, `bot`, `lock`, ...). The
/// admin service routes by kind to one of these, so adding a kind touches no handler code.
protocol AdminResourceCollection: Sendable {
    /// The kind as written in documents and `tctl get KIND/NAME`.
    var kind: String { get }
    func create(json: Data, upsert: Bool) async throws -> AdminResource
    func get(name: String) async throws -> AdminResource
    func list() async throws -> [AdminResource]
    func delete(name: String) async throws
}

extension AdminResourceCollection {
    func decode<T: Decodable>(_ type: T.Type, from json: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: json)
        } catch let error as JoinError {
            throw error
        } catch {
            throw JoinError.badParameter(DecodingErrorDescription.describe(error))
        }
    }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    func readOnly(_ what: String) -> JoinError {
        .badParameter("\(kind) resources are \(what) by the Auth server and cannot be changed with tctl")
    }
}

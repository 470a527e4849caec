/// How messages name a PostgreSQL server: `PostgreSQL at db.example.com:5432 (database
/// teleport, user joinery)`. Built from the parsed conn string without its password.
struct PostgreSQLTarget: Sendable, CustomStringConvertible {
    let endpoint: String
    let database: String
    let user: String

    init(_ connection: PostgreSQLConnectionString) {
        endpoint = connection.endpoint
        database = connection.database
        user = connection.user
    }

    var description: String { "PostgreSQL at \(endpoint) (database \(database), user \(user))" }
}

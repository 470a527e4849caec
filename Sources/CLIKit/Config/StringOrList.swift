/// A field that Teleport accepts either as one string or as a list of strings
/// (`ca_pin`, `public_addr`). Empty strings are dropped, so `ca_pin: ""` means "no pin".
public struct StringOrList: Sendable, Equatable, Decodable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public init(from decoder: Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var values: [String] = []
            while !list.isAtEnd { values.append(try list.decode(String.self)) }
            self.values = values.filter { !$0.isEmpty }
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self.values = []
            return
        }
        guard let text = try? single.decode(String.self) else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
                debugDescription: "expected a string or a list of strings"))
        }
        self.values = text.isEmpty ? [] : [text]
    }
}

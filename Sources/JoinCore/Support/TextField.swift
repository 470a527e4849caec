extension KeyedDecodingContainer {
    /// A text field that YAML may have read as a number because it was written unquoted
    /// (`aws_account: 123456789012`, `registration_secret: 123456`): the text, or the whole
    /// number's digits. (``JSONValue`` keeps anything a number would change, such as `0123`,
    /// as text.) Anything else is refused as not a string, in the decoder's own words.
    public func decodeTextIfPresent(forKey key: Key) throws -> String? {
        do {
            return try decodeIfPresent(String.self, forKey: key)
        } catch let notText {
            guard let number = try? decodeIfPresent(Int64.self, forKey: key) else { throw notText }
            return String(number)
        }
    }
}

/// Random lowercase hex strings from the system's secure generator: registration secrets and
/// challenge nonces (16 bytes, 32 characters; spec §8.2, §8.4).
enum RandomHex {
    static func make(bytes count: Int = 16) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }
}

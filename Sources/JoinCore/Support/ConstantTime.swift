/// Secret comparison whose running time does not depend on where two values first differ.
public enum ConstantTime {
    /// True when `a` and `b` are byte-for-byte equal. Runs over the longer input whatever the
    /// contents, so only the lengths leak, never a matching prefix.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let left = Array(a), right = Array(b)
        let length = max(left.count, right.count)
        var difference: UInt64 = UInt64(left.count ^ right.count)
        for index in 0..<length {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }

    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}

import Foundation
import Synchronization

/// The random choices of a crash test — when to kill, how long to stay down, how many clients
/// race a token, what a bot does next — drawn from one seeded SplitMix64 stream.
///
/// Each test prints its seed; `JOINERY_CRASH_SEED=<seed>` replays the same plan. (The timing of
/// real processes still varies, so a replay makes the same choices, not the same interleaving.)
final class SeededRandom: Sendable {
    let seed: UInt64
    private let state: Mutex<UInt64>

    init(seed: UInt64) {
        self.seed = seed
        state = Mutex(seed)
    }

    /// The seed from `JOINERY_CRASH_SEED`, else a fresh one; printed either way.
    static func forTest(_ name: String) -> SeededRandom {
        let given = ProcessInfo.processInfo.environment["JOINERY_CRASH_SEED"].flatMap { UInt64($0) }
        let seed = given ?? UInt64.random(in: 0...UInt64.max)
        print("\(name): seed \(seed) (replay with JOINERY_CRASH_SEED=\(seed))")
        return SeededRandom(seed: seed)
    }

    func next() -> UInt64 {
        state.withLock { state in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    func milliseconds(in range: ClosedRange<Int>) -> Duration { .milliseconds(int(in: range)) }

    /// True with probability `probability`.
    func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < probability
    }

    /// 32 random hex digits, for token names.
    func hex() -> String {
        String(format: "%016llx%016llx", next(), next())
    }
}

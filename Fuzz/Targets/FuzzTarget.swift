/// One fuzz target: a parser of untrusted bytes, wrapped so that any input may be fed to it.
///
/// The contract is the one libFuzzer checks: ``run(_:)-(UnsafeRawBufferPointer)`` returns for
/// every input. A parser may reject input with any error it likes; a trap (a failed
/// precondition, an out-of-range index, an arithmetic overflow, a force unwrap) is a bug in
/// the parser, found either by `scripts/fuzz` or by `FuzzRegressionTests` replaying the corpus.
public struct FuzzTarget: Sendable {
    /// The name used by `JOINERY_FUZZ_TARGET` and as the corpus folder name.
    public let name: String
    /// The `-max_len` `scripts/fuzz` passes: a little above the largest input the parser accepts.
    public let maximumLength: Int
    /// Folders under `Tests/Fixtures` (real identity documents, region certificates, the SigV4
    /// suite) whose files are seeds too, for `scripts/fuzz` and the regression tests alike.
    public let fixtureSeeds: [String]
    /// False for targets that run async code: a task's memory is released on another thread
    /// after the input returns, which libFuzzer takes for a possible leak and checks with a
    /// full LeakSanitizer pass after nearly every input (about eight times slower).
    public let detectsLeaks: Bool
    private let setUp: @Sendable () -> Void
    private let body: @Sendable ([UInt8]) -> Void

    init(_ name: String, maximumLength: Int, fixtureSeeds: [String] = [], detectsLeaks: Bool = true,
         setUp: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.maximumLength = maximumLength
        self.fixtureSeeds = fixtureSeeds
        self.detectsLeaks = detectsLeaks
        self.setUp = setUp
        self.body = body
    }

    /// Builds whatever the target shares between inputs (keys, certificate sets), so the first
    /// input's run is not different from the others.
    public func prepare() { setUp() }

    /// Feeds one input to the parser.
    public func run(_ bytes: [UInt8]) { body(bytes) }

    /// Feeds one input to the parser (libFuzzer's buffer).
    public func run(_ buffer: UnsafeRawBufferPointer) { body(Array(buffer)) }
}

import CLibFuzzer
import FuzzTargets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The libFuzzer harness. Which parser is fuzzed comes from `JOINERY_FUZZ_TARGET`, read once
// before libFuzzer starts; the command line is libFuzzer's (`-max_total_time=…`, corpus
// folders). With `JOINERY_FUZZ_LIST=1` the binary prints each target's name, its suggested
// `-max_len`, whether leaks are detected (1 or 0) and its seed folders under Tests/Fixtures,
// and exits, so `scripts/fuzz` keeps no list of its own.
//
// SwiftPM renames an executable's entry point and links `main` to it, so libFuzzer's own
// `main` cannot be used (with `-parse-as-library` the link fails on the missing entry point).
// This file is that entry point and hands control to libFuzzer's driver.

nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = selected else { return 0 }
    target.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

private func fail(_ message: String) -> Never {
    var line = "joinery-fuzz: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

if getenv("JOINERY_FUZZ_LIST") != nil {
    for target in FuzzTargets.all.values.sorted(by: { $0.name < $1.name }) {
        let fixtures = target.fixtureSeeds.isEmpty ? "-" : target.fixtureSeeds.joined(separator: ",")
        print("\(target.name) \(target.maximumLength) \(target.detectsLeaks ? 1 : 0) \(fixtures)")
    }
    exit(0)
}
let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
guard let name = getenv("JOINERY_FUZZ_TARGET").map({ String(cString: $0) }), !name.isEmpty else {
    fail("set JOINERY_FUZZ_TARGET to one of: \(names)")
}
guard let target = FuzzTargets.all[name] else {
    fail("unknown target \"\(name)\"; targets: \(names)")
}
FuzzTargets.silenceLogging()
target.prepare()
selected = target

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzerTestOneInput(data, size) })

import Foundation
import JoinCore
import Server

/// Check 5: the bytes a method parses, cut short or grown past the pipeline's limit. The
/// initial payload of a valid join, and each of its solutions, is cut to half, to one byte and
/// to nothing (each cut that differs from the valid bytes), and padded past
/// ``JoinPipeline/maximumPayloadBytes``. Each variant runs against a fresh valid token with
/// everything else honest, and must be refused with a typed error (not an internal one), leave
/// the backend unchanged and be audited as one failed join.
enum MalformedPayloadCheck {
    /// One way of spoiling a payload.
    struct Spoiling: Sendable {
        let name: String
        let apply: @Sendable (Data) -> Data
    }

    /// One spoiled attempt: which bytes, spoiled how.
    struct Variant: Sendable {
        let name: String
        let configure: @Sendable (inout ConformanceAttempt) -> Void
    }

    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .malformedPayloads) { lab in
            let sample = await lab.run(ConformanceAttempt(try await subject.prepareValidJoin(in: lab.cluster)))
            guard sample.result != nil, sample.proverError == nil else {
                return failed("a valid join, made to learn the method's payloads, did not succeed: \(sample.summary)")
            }
            let variants = variants(initialPayload: sample.initialPayload, solutions: sample.solutions)
            var refusals: [String] = [], problems: [String] = []
            for variant in variants {
                var attempt = ConformanceAttempt(try await subject.prepareValidJoin(in: lab.cluster))
                variant.configure(&attempt)
                let observation = try await lab.observeRefusal(attempt)
                if observation.refused {
                    refusals.append("\(variant.name) → \(observation.error?.kind.rawValue ?? "?")")
                } else {
                    problems.append("\(variant.name): " + observation.problems.joined(separator: ", "))
                }
            }
            guard problems.isEmpty else { return failed(problems.joined(separator: "; ")) }
            let note = sample.initialPayload.isEmpty ? " (the valid initial payload is empty, so there is nothing to cut)" : ""
            return ConformanceCheckResult(check: .malformedPayloads, outcome: .passed, evidence:
                "\(variants.count) spoiled attempt(s) refused with typed errors, backend unchanged, each audited\(note): "
                    + refusals.joined(separator: ", "))
        }
    }

    /// Every spoiling of the initial payload and of each solution round.
    static func variants(initialPayload: Data, solutions: [Data]) -> [Variant] {
        var variants = spoilings(of: initialPayload).map { spoiling in
            Variant(name: "initial payload \(spoiling.name)") { attempt in attempt.editInitialPayload = spoiling.apply }
        }
        for (round, solution) in solutions.enumerated() {
            variants += spoilings(of: solution).map { spoiling in
                Variant(name: "solution \(round + 1) \(spoiling.name)") { attempt in
                    attempt.solutions = .edited { current, answer in current == round ? spoiling.apply(answer) : answer }
                }
            }
        }
        return variants
    }

    /// The cuts that change `sample` (a cut to half of one byte is no cut), then the padding.
    static func spoilings(of sample: Data) -> [Spoiling] {
        var spoilings: [Spoiling] = []
        if sample.count >= 2 { spoilings.append(Spoiling(name: "cut to half") { $0.prefix($0.count / 2) }) }
        if sample.count >= 3 { spoilings.append(Spoiling(name: "cut to 1 byte") { $0.prefix(1) }) }
        if !sample.isEmpty { spoilings.append(Spoiling(name: "emptied") { _ in Data() }) }
        // Trailing spaces keep JSON and base64 well-formed, so only the size is wrong.
        spoilings.append(Spoiling(name: "padded past \(JoinPipeline.maximumPayloadBytes) bytes") { bytes in
            bytes + Data(repeating: 0x20, count: max(1, JoinPipeline.maximumPayloadBytes + 1 - bytes.count))
        })
        return spoilings
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .malformedPayloads, outcome: .failed(reason))
    }
}

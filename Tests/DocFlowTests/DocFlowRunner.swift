import Foundation
import TestSupport

/// Runs a ``DocFlow`` against the built binaries, in a temporary directory, on 127.0.0.1.
///
/// Each `run` block is a bash script in the flow's shell: variables it sets (`TOKEN=$(…)`) and
/// the directory it `cd`s to carry over to the next block, and it stops at the first failing
/// command. Paths the guides use (`/tmp/joinery`, `/var/lib/teleport`, `/etc/teleport.yaml`, …)
/// are moved under the temporary directory in everything the flow runs, writes or expects
/// (and each port the guide lists, as `:3025` or alone, becomes a free one);
/// `TELEPORT_CONFIG_FILE` points the binaries' default config there. The flow stops at its first
/// failure, and every process it started is stopped when it ends.
final class DocFlowRunner {
    /// Where a flow went wrong: the guide's line and what happened.
    struct Failure: CustomStringConvertible {
        let path: String
        let line: Int
        let message: String
        var description: String { "\(path):\(line): \(message)" }
    }

    /// The absolute paths guides use, each moved under the flow's directory.
    static let movedPaths = ["/tmp/joinery", "/var/lib/teleport", "/etc/teleport.yaml", "/etc/tbot.yaml", "/opt/machine-id"]
    /// How long one block may run, and how long output or readiness is awaited.
    static let blockTimeout = 120.0, waitTimeout = 15.0

    /// Starts every script as on a fresh machine: no trust bundle, proxy or Teleport setting
    /// from the test runner's environment leaks into a guide (a guide sets its own).
    static let cleanEnvironment = """
        unset SSL_CERT_FILE SSL_CERT_DIR HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy
        for name in $(compgen -e | grep -E '^(TELEPORT_|TBOT_|JOINERY_)' | grep -vx TELEPORT_CONFIG_FILE); do unset "$name"; done
        """

    private let flow: DocFlow
    private let root: URL
    private let state: URL
    private var portMap: [Int: Int] = [:]
    private var bindings: [String: String] = [:]
    private var lastOutput = ""
    private var background: [String: ManagedProcess] = [:]
    private var counter = 0
    private var cleanups: [String] = []

    init(_ flow: DocFlow) throws {
        self.flow = flow
        root = URL(fileURLWithPath: "/tmp").appendingPathComponent("docflow-\(UUID().uuidString.prefix(8))")
        state = root.appendingPathComponent(".state")
        for directory in ["home", "etc", "tmp", "var/lib", "logs"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        // The flow starts where a reader of the guides stands, in a checkout: `scripts/` and
        // `.build/` are links to this one's (removing the directory removes only the links).
        let repository = GuideFlowTests.repositoryRoot
        for name in ["scripts", ".build"] {
            try FileManager.default.createSymbolicLink(at: root.appendingPathComponent(name),
                                                       withDestinationURL: repository.appendingPathComponent(name))
        }
        try "cd \(root.path)\n".write(to: state, atomically: true, encoding: .utf8)
        for port in flow.ports { portMap[port] = FreePort.next() }
    }

    private var environment: [String: String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["PATH": "\(ClusterProcesses.binaries.path):\(path)", "HOME": root.appendingPathComponent("home").path,
                "TELEPORT_CONFIG_FILE": root.path + "/etc/teleport.yaml", "DOCFLOW_STATE": state.path]
    }

    /// Runs every step; the first failure, or nil when the whole flow held.
    func run() async -> Failure? {
        var failure: Failure?
        for step in flow.steps {
            if let message = await perform(step.action) {
                failure = Failure(path: flow.path, line: step.line, message: message)
                break
            }
        }
        for process in background.values { await process.stop() }
        background = [:]
        for command in cleanups.reversed() { _ = await runScript(command, expectsFailure: false) }
        if failure == nil || ProcessInfo.processInfo.environment["JOINERY_KEEP_DOCFLOW"] == nil {
            try? FileManager.default.removeItem(at: root)
        }
        return failure
    }

    /// Performs one step; a message saying what went wrong, or nil.
    private func perform(_ action: DocFlow.Step.Action) async -> String? {
        switch action {
        case .run(let script, let expectsFailure):
            return await runScript(script, expectsFailure: expectsFailure)
        case .runEachFailing(let commands):
            var combined = ""
            for command in commands {
                if let problem = await runScript(command, expectsFailure: true) { return "\(command): \(problem)" }
                combined += lastOutput
            }
            lastOutput = combined
            return nil
        case .writeFile(let path, let content):
            // runScript moves the path and fills the placeholders of the path and the content.
            return await runScript("mkdir -p \"$(dirname '\(path)')\"\ncat > '\(path)' <<'DOCFLOW_EOF'\n\(content)\nDOCFLOW_EOF",
                                   expectsFailure: false)
        case .fileMatches(let path, let pattern):
            if let problem = await runScript("cat '\(path)'", expectsFailure: false) { return problem }
            return compare(pattern, whole: true)
        case .output(let pattern, let whole):
            return compare(pattern, whole: whole)
        case .start(let name, let command, let readyText):
            return await start(name, command: command, readyText: localized(readyText))
        case .outputOf(let name, let pattern):
            return await awaitOutput(of: name, pattern: expected(pattern))
        case .wait(let name, let text):
            return await awaitOutput(of: name, pattern: expected("<...>\(text)<...>"))
        case .cleanup(let command):
            cleanups.append(command)
            return nil
        case .stop(let name):
            guard let process = background.removeValue(forKey: name) else { return "nothing named \(name) was started" }
            await process.stop()
            return nil
        }
    }

    private func runScript(_ script: String, expectsFailure: Bool) async -> String? {
        let command: String
        do { command = try commandText(script) } catch { return "\(error)" }
        let wrapped = """
            \(DocFlowRunner.cleanEnvironment)
            set -a
            . "$DOCFLOW_STATE"
            trap 'status=$?; { export -p; printf "cd %q\\n" "$PWD"; } > "$DOCFLOW_STATE.next"; mv "$DOCFLOW_STATE.next" "$DOCFLOW_STATE"; exit $status' EXIT
            set -e
            \(command)
            """
        counter += 1
        let process: ManagedProcess
        do {
            process = try ManagedProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", wrapped], environment: environment,
                                         logDirectory: root.appendingPathComponent("logs"), name: "block-\(counter)")
        } catch { return "cannot start bash: \(error)" }
        guard let status = await process.waitForExit(seconds: DocFlowRunner.blockTimeout) else {
            await process.stop()
            return "the block did not finish within \(Int(DocFlowRunner.blockTimeout)) s; its output:\n\(tail(process.output))"
        }
        lastOutput = process.output
        if expectsFailure && status == 0 { return "the block was expected to fail but exited 0; its output:\n\(tail(lastOutput))" }
        if !expectsFailure && status != 0 { return "the block exited \(status); its output:\n\(tail(lastOutput))" }
        return nil
    }

    private func start(_ name: String, command: String, readyText: String) async -> String? {
        guard background[name] == nil else { return "\(name) is already running" }
        let text: String
        do { text = try commandText(command) } catch { return "\(error)" }
        let script = "\(DocFlowRunner.cleanEnvironment)\nset -a\n. \"$DOCFLOW_STATE\"\nexec \(text.trimmingCharacters(in: .whitespacesAndNewlines))"
        do {
            background[name] = try ManagedProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", script], environment: environment,
                                                  logDirectory: root.appendingPathComponent("logs"), name: name)
        } catch { return "cannot start \(name): \(error)" }
        let process = background[name]!
        guard await process.waitForOutput(readyText, seconds: DocFlowRunner.waitTimeout) else {
            return "\(name) did not print \"\(readyText)\"\(process.isRunning ? "" : " (it exited)"); its output:\n\(tail(process.output))"
        }
        return nil
    }

    private func awaitOutput(of name: String, pattern: OutputPattern) async -> String? {
        guard let process = background[name] else { return "nothing named \(name) was started" }
        let deadline = Date().addingTimeInterval(DocFlowRunner.waitTimeout)
        while true {
            switch pattern.matchInOrder(process.output) {
            case .success(let captures):
                bindings.merge(captures) { $1 }
                return nil
            case .failure(let missing):
                if Date() > deadline || !process.isRunning {
                    return "\(name) never printed a line like \"\(missing.text)\"; its output:\n\(tail(process.output))"
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private func compare(_ text: String, whole: Bool) -> String? {
        let pattern = expected(text)
        if whole {
            guard let captures = pattern.matchWhole(lastOutput) else {
                return "the output is not what the guide shows.\n--- the guide:\n\(localized(text, movingPaths: false))\n--- the output:\n\(lastOutput)"
            }
            bindings.merge(captures) { $1 }
            return nil
        }
        switch pattern.matchInOrder(lastOutput) {
        case .success(let captures):
            bindings.merge(captures) { $1 }
            return nil
        case .failure(let missing):
            return "the output has no line like \"\(missing.text)\"; the output:\n\(tail(lastOutput))"
        }
    }

    /// The guide's text with its paths, ports and replacements made for this run.
    func localized(_ text: String, movingPaths: Bool = true) -> String {
        var result = text
        for (from, to) in flow.replacements { result = result.replacingOccurrences(of: from, with: to) }
        if movingPaths {
            for path in DocFlowRunner.movedPaths { result = result.replacingOccurrences(of: path, with: root.path + path) }
        }
        for (doc, real) in portMap {
            result = result.replacingOccurrences(of: "(?<![0-9.])\(doc)(?![0-9])", with: "\(real)", options: .regularExpression)
        }
        return result
    }

    /// What the guide shows as output, as a pattern: a path the flow moved matches both where
    /// it was moved and as written (a default a binary prints, such as `/var/lib/teleport/bot`).
    private func expected(_ text: String) -> OutputPattern {
        OutputPattern(localized(text, movingPaths: false), movedPaths: DocFlowRunner.movedPaths, root: root.path,
                      fixedPorts: Set(portMap.values))
    }

    struct UnboundPlaceholder: Error, CustomStringConvertible {
        let name: String
        var description: String { "the command uses <\(name)>, which no output shown before it provides" }
    }

    /// A command of the guide, localized, with each `<name>` replaced by what an output gave.
    private func commandText(_ text: String) throws -> String {
        var result = localized(text)
        let placeholder = try! NSRegularExpression(pattern: #"<([a-z][a-z0-9_]*)>"#)
        for match in placeholder.matches(in: result, range: NSRange(result.startIndex..., in: result)).reversed() {
            let name = String(result[Range(match.range(at: 1), in: result)!])
            guard let value = bindings[name] else { throw UnboundPlaceholder(name: name) }
            result.replaceSubrange(Range(match.range, in: result)!, with: value)
        }
        return result
    }

    private func tail(_ text: String) -> String {
        text.components(separatedBy: "\n").suffix(40).joined(separator: "\n")
    }
}

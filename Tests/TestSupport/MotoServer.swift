import Foundation
import XCTest

/// A real `moto_server` (the AWS emulator from PyPI) on a free port of 127.0.0.1, started for a
/// test and stopped with it. `awsEnvironment` points AWS clients at it with dummy credentials.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let process: ManagedProcess

    /// Starts moto; with `checkSignaturesAfter`, moto enforces IAM auth and SigV4 signatures
    /// after that many unauthenticated calls (`INITIAL_NO_AUTH_ACTION_COUNT`).
    public init(checkSignaturesAfter: Int? = nil) async throws {
        guard let executable = MotoServer.locate() else {
            throw XCTSkip("moto_server is not installed (pip install 'moto[server]')")
        }
        port = FreePort.next()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment: [String: String] = [:]
        if let count = checkSignaturesAfter { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(count) }
        process = try ManagedProcess(executable, ["-H", "127.0.0.1", "-p", String(port)], environment: environment,
                                     logDirectory: directory, name: "moto")
        for _ in 0..<150 {
            if (try? Command.run(URL(fileURLWithPath: "/bin/bash"), ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"], timeout: 2))?.status == 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.stop()
        throw XCTSkip("moto_server did not start: \(process.output)")
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Environment for an AWS client talking to this moto with the given keys.
    public func awsEnvironment(accessKey: String = "testing", secretKey: String = "testing", region: String = "us-east-1") -> [String: String] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey,
         "AWS_REGION": region, "AWS_EC2_METADATA_DISABLED": "true"]
    }

    /// Runs a boto3 snippet against moto (`client(name)` makes a client) and returns its stdout.
    public func python(_ body: String, accessKey: String = "testing", secretKey: String = "testing",
                       sessionToken: String? = nil, region: String = "us-east-1") throws -> String {
        let token = sessionToken.map { "'\($0)'" } ?? "None"
        let script = """
        import boto3
        def client(name):
            return boto3.client(name, endpoint_url='\(endpoint)', region_name='\(region)',
                                aws_access_key_id='\(accessKey)', aws_secret_access_key='\(secretKey)',
                                aws_session_token=\(token))
        \(body)
        """
        let file = directory.appendingPathComponent("snippet-\(UUID().uuidString).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let result = try Command.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", file.path], timeout: 60)
        guard result.status == 0 else { throw XCTSkip("boto3 snippet failed: \(result.combined)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Launches an EC2 instance and returns its ID.
    public func runInstance(accessKey: String = "testing", secretKey: String = "testing", sessionToken: String? = nil,
                            region: String = "us-east-1") throws -> String {
        try python("print(client('ec2').run_instances(ImageId='ami-12345678', MinCount=1, MaxCount=1)['Instances'][0]['InstanceId'])",
                   accessKey: accessKey, secretKey: secretKey, sessionToken: sessionToken, region: region)
    }

    public func stopInstance(_ id: String) throws {
        _ = try python("client('ec2').stop_instances(InstanceIds=['\(id)'])")
    }

    public func terminateInstance(_ id: String) throws {
        _ = try python("client('ec2').terminate_instances(InstanceIds=['\(id)'])")
    }

    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func locate() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("moto_server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

import Foundation
import XCTest

/// A real `moto_server` (the AWS emulator from PyPI) on a free port of 127.0.0.1, started for a
/// test and stopped with it. `awsEnvironment` points AWS clients at it with dummy credentials.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let process: ManagedProcess

    /// Starts moto and waits (at most 30 s) until it accepts connections. With
    /// `checkSignaturesAfter`, moto answers that many actions without checking them
    /// (`INITIAL_NO_AUTH_ACTION_COUNT`) and then enforces IAM: every request must carry a valid
    /// SigV4 signature from a known user, so the first calls must create that user and its keys.
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
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FreePort.isListening(port) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.stop()
        throw XCTSkip("moto_server did not start: \(process.output)")
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// ``endpoint`` as a URL.
    public var url: URL { URL(string: endpoint)! }

    /// Environment for an AWS client talking to this moto with the given keys.
    public func awsEnvironment(accessKey: String = "testing", secretKey: String = "testing", region: String = "us-east-1") -> [String: String] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey,
         "AWS_REGION": region, "AWS_EC2_METADATA_DISABLED": "true"]
    }

    /// Runs a boto3 snippet against moto (`client(name)` makes a client) and returns its stdout.
    /// A snippet that fails skips the test.
    public func python(_ body: String, accessKey: String = "testing", secretKey: String = "testing",
                       sessionToken: String? = nil, region: String = "us-east-1") throws -> String {
        let result = try runPython(body, accessKey: accessKey, secretKey: secretKey, sessionToken: sessionToken, region: region)
        guard result.status == 0 else { throw XCTSkip("boto3 snippet failed: \(result.combined)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func runPython(_ body: String, accessKey: String = "testing", secretKey: String = "testing",
                           sessionToken: String? = nil, region: String = "us-east-1") throws -> CommandResult {
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
        return try Command.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", file.path], timeout: 60)
    }

    /// How many unauthenticated actions ``createIAMUser(named:)`` makes (CreateUser,
    /// PutUserPolicy, CreateAccessKey). Start moto with
    /// `checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount` and create the user first:
    /// every later request must then be signed with its keys (or keys obtained with them).
    public static let iamUserBootstrapActionCount = 3

    /// Creates IAM user `name` with an inline allow-all policy, as a real account's operator
    /// would, and returns its new access keys. Unlike ``python(_:accessKey:secretKey:sessionToken:region:)``
    /// a failure here fails the test (``TestFailure``) rather than skipping it.
    public func createIAMUser(named name: String) throws -> (accessKeyID: String, secretAccessKey: String) {
        let result = try runPython("""
        import json
        iam = client('iam')
        iam.create_user(UserName='\(name)')
        iam.put_user_policy(UserName='\(name)', PolicyName='allow-all', PolicyDocument=json.dumps(
            {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
        key = iam.create_access_key(UserName='\(name)')['AccessKey']
        print(key['AccessKeyId'])
        print(key['SecretAccessKey'])
        """)
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard result.status == 0, lines.count == 2 else {
            throw TestFailure("moto did not create IAM user \(name) with access keys: \(result.combined)")
        }
        return (lines[0], lines[1])
    }

    /// Launches an EC2 instance and returns its ID.
    public func runInstance(accessKey: String = "testing", secretKey: String = "testing", sessionToken: String? = nil,
                            region: String = "us-east-1") throws -> String {
        try python("print(client('ec2').run_instances(ImageId='ami-12345678', MinCount=1, MaxCount=1)['Instances'][0]['InstanceId'])",
                   accessKey: accessKey, secretKey: secretKey, sessionToken: sessionToken, region: region)
    }

    /// Launches `count` instances with one RunInstances call and returns their IDs.
    public func runInstances(count: Int, region: String = "us-east-1") throws -> [String] {
        let output = try python("""
        ids = [i['InstanceId'] for i in client('ec2').run_instances(ImageId='ami-12345678', MinCount=\(count), MaxCount=\(count))['Instances']]
        print(' '.join(ids))
        """, region: region)
        let ids = output.split(separator: " ").map(String.init)
        guard ids.count == count else { throw TestFailure("moto launched \(ids.count) instances, not \(count): \(output.prefix(300))") }
        return ids
    }

    /// AWS API requests moto has answered so far, counted from the request lines it logs
    /// (`"POST / HTTP/1.1" 200 -`; every query-protocol action is a POST to `/`). Snippets run
    /// with ``python(_:accessKey:secretKey:sessionToken:region:)`` count too, so take a
    /// difference around the calls of interest.
    public var apiRequestsLogged: Int {
        process.output.split(separator: "\n").filter { $0.contains("\"POST / HTTP/1.1\"") }.count
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

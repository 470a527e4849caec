import AWSKit
import EC2Join
import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport

/// 1,000 instances launched in moto join at once through the `ec2` method: each join's
/// identity document is verified and its instance looked up with DescribeInstances, which the
/// method batches per account and region.
struct EC2JoinStorm {
    var instances: Int
    var succeeded: Int
    var wallSeconds: Double
    var describeCalls: Int
    var firstError: String?

    var joinsPerSecond: Double { Double(succeeded) / wallSeconds }

    static func run(instances count: Int) async throws -> EC2JoinStorm {
        let moto = try await MotoServer()
        defer { Task { await moto.stop() } }
        for (key, value) in moto.awsEnvironment() { setenv(key, value, 1) }
        let ids = try moto.python(
            "print(','.join(i['InstanceId'] for i in client('ec2').run_instances(ImageId='ami-12345678', MinCount=\(count), MaxCount=\(count))['Instances']))")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        guard ids.count == count else { throw BenchmarkFailure("moto launched \(ids.count) of \(count) instances") }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-bench-ec2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (caPEM, documents) = try IdentityDocumentFactory(directory: scratch).make(
            account: "123456789012", region: "us-east-1", instanceIDs: ids,
            pendingTime: Date(timeIntervalSince1970: Double(Int(Date().timeIntervalSince1970))))
        let certificates = scratch.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        try caPEM.write(to: certificates.appendingPathComponent("us-east-1.pem"))

        let cluster = try await TestCluster(
            registry: JoinMethodRegistry(plugins: [.ec2]), rateLimits: .init(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000),
            authService: ["aws": .object(["ec2_certificates_dir": .string(certificates.path)])])
        defer { Task { await cluster.stop() } }
        var token = ProvisionToken(name: "ec2-storm", roles: [.node], joinMethod: "ec2")
        token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012", awsRegions: ["us-east-1"])])
        _ = try await cluster.server.tokens.create(token, upsert: false)

        let pipeline = cluster.server.joinPipeline
        let before = DescribeInstancesCounters.processWide.calls
        let measured = await JoinBench.measure {
            await withTaskGroup(of: String?.self) { group in
                for (index, document) in documents.enumerated() {
                    group.addTask {
                        let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(
                            token: "ec2-storm", method: "ec2", nodeName: "ec2-\(index)", payload: document)])
                        do {
                            try await pipeline.run(stream, remoteAddress: "127.0.0.1:\(10_000 + index)")
                            return nil
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String?]()) { $0.append($1) }
            }
        }
        let failures = measured.value.compactMap { $0 }
        return EC2JoinStorm(instances: count, succeeded: count - failures.count, wallSeconds: measured.wallSeconds,
                            describeCalls: DescribeInstancesCounters.processWide.calls - before, firstError: failures.first)
    }
}

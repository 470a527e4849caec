import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore
import TestSupport
import XCTest
import OutboundHTTP

/// AWS calls honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY: against a real `moto_server`
/// (http://127.0.0.1, so HTTP_PROXY applies) and a real `tinyproxy`, whose log proves which
/// requests it tunnelled. The proxy settings are injected, never set in the process environment.
final class ProxiedAWSCallTests: XCTestCase {
    private var moto: MotoServer!
    private var proxy: TinyProxy?
    private var httpClient: HTTPClient!
    private let keys = AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing")

    override func setUp() async throws {
        moto = try await MotoServer()
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        proxy?.stop()
        await moto?.stop()
        try? await httpClient?.shutdown()
    }

    private func startProxy(basicAuth: (String, String)? = nil) throws -> TinyProxy {
        let started = try TinyProxy.start(basicAuth: basicAuth)
        proxy = started
        return started
    }

    private func ec2(_ proxies: ProxyEnvironment, timeout: TimeAmount = .seconds(10)) throws -> EC2Client {
        try EC2Client(httpClient: httpClient, region: MotoAccount.region, credentials: keys,
                      environment: moto.awsEnvironment(), options: AWSRequestOptions(timeout: timeout), proxyEnvironment: proxies)
    }

    private func connects(to port: Int, in log: String) -> Int {
        log.components(separatedBy: "CONNECT 127.0.0.1:\(port) ").count - 1
    }

    func testDescribeInstancesGoesThroughTheProxyHTTPProxyNames() async throws {
        let tinyproxy = try startProxy()
        let id = try await MotoAccount(httpClient: httpClient, motoURL: moto.url).runInstance(signedWith: keys)
        XCTAssertEqual(connects(to: moto.port, in: tinyproxy.logText()), 0, "the setup call must go direct")

        let proxies = try ProxyEnvironment(environment: ["HTTP_PROXY": tinyproxy.url])
        let state = try await ec2(proxies).describeInstance(id: id)

        XCTAssertEqual(state?.stateName, "running")
        XCTAssertGreaterThanOrEqual(connects(to: moto.port, in: tinyproxy.logText()), 1, tinyproxy.logText())
    }

    func testGetCallerIdentitySendsTheProxyCredentials() async throws {
        let tinyproxy = try startProxy(basicAuth: ("joinery", "pr0xy-pass"))
        let proxies = try ProxyEnvironment(environment: ["HTTP_PROXY": "http://joinery:pr0xy-pass@127.0.0.1:\(tinyproxy.port)"])
        let sts = try STSClient(httpClient: httpClient, region: MotoAccount.region, credentials: keys,
                                environment: moto.awsEnvironment(), proxyEnvironment: proxies)

        let identity = try await sts.getCallerIdentity()

        XCTAssertEqual(identity.account, "123456789012")
        XCTAssertGreaterThanOrEqual(connects(to: moto.port, in: tinyproxy.logText()), 1, tinyproxy.logText())
    }

    func testWrongProxyCredentialsFailNamingTheProxyButNotThePassword() async throws {
        let tinyproxy = try startProxy(basicAuth: ("joinery", "pr0xy-pass"))
        let proxies = try ProxyEnvironment(environment: ["HTTP_PROXY": "http://joinery:not-the-pass@127.0.0.1:\(tinyproxy.port)"])
        do {
            // AsyncHTTPClient retries a refused tunnel until the deadline: keep it short.
            _ = try await ec2(proxies, timeout: .seconds(3)).describeInstance(id: "i-0123456789abcdef0")
            XCTFail("expected the proxy to refuse the tunnel")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("through the HTTP proxy http://127.0.0.1:\(tinyproxy.port)"), error.message)
            XCTAssertFalse(error.message.contains("not-the-pass"), error.message)
        }
    }

    func testNoProxyEntryForTheEndpointKeepsTheCallDirect() async throws {
        let tinyproxy = try startProxy()
        let proxies = try ProxyEnvironment(environment: ["HTTP_PROXY": tinyproxy.url, "NO_PROXY": "127.0.0.1:\(moto.port)"])

        let state = try await ec2(proxies).describeInstance(id: "i-0123456789abcdef0")

        XCTAssertNil(state)
        XCTAssertEqual(connects(to: moto.port, in: tinyproxy.logText()), 0, tinyproxy.logText())
    }

    func testMalformedProxyVariableFailsTheCallNotTheClient() async throws {
        let ec2 = try EC2Client(httpClient: httpClient, region: MotoAccount.region, credentials: keys,
                                environment: moto.awsEnvironment().merging(["HTTP_PROXY": "socks5://127.0.0.1:1080"]) { $1 })
        do {
            _ = try await ec2.describeInstance(id: "i-0123456789abcdef0")
            XCTFail("expected the malformed HTTP_PROXY to be reported")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertEqual(error.message, "HTTP_PROXY: unsupported proxy scheme \"socks5\"; use http:// or https://")
        }
    }

    func testAnHTTPSProxyIsRefusedRatherThanSpokenToInTheClear() throws {
        let proxies = try ProxyEnvironment(environment: ["HTTPS_PROXY": "https://proxy.example.com:3129"])
        XCTAssertThrowsError(try ProxiedHTTPClients().route(to: URL(string: "https://sts.amazonaws.com/")!,
                                                            environment: proxies, direct: httpClient)) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter)
            XCTAssertTrue("\(error)".contains("http://proxy.example.com:3129"), "\(error)")
        }
    }
}

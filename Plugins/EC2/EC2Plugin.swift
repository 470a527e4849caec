import JoinCore

extension JoinMethodPlugin {
    /// The built-in `ec2` method. Reads `auth_service.aws` (`ec2_certificates_dir`).
    public static let ec2 = JoinMethodPlugin(
        name: EC2JoinMethod.methodName,
        authServiceKeys: ["aws"],
        makeMethod: { try EC2JoinMethod(context: $0, instances: try AWSInstanceDirectory(logger: $0.logger)) },
        makeProver: { _ in EC2Prover() }
    )
}

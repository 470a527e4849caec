import Foundation
import TestSupport
import XCTest

/// A `moto_server` that checks signatures and IAM permissions, set up as two AWS accounts: the
/// Auth server's own account 123456789012, where an IAM user with keys and an allow-all policy
/// stands for the Auth server, and account 222222222222, with a role that user may assume.
///
/// moto files a request under the account its credentials belong to, and `sts:AssumeRole` into
/// a role ARN of another account hands out credentials of that account (moto's multi-account
/// support), so an instance launched with the role's credentials lives in 222222222222 and is
/// invisible to the user's own credentials.
struct MotoTwoAccounts {
    static let ownAccount = "123456789012"
    static let otherAccount = "222222222222"
    static let roleName = "joinery-describer"
    static var roleARN: String { "arn:aws:iam::\(otherAccount):role/\(roleName)" }
    /// The unauthenticated calls the bootstrap makes before moto starts checking: CreateUser,
    /// PutUserPolicy, CreateAccessKey, AssumeRole (into the not-yet-existing role), CreateRole
    /// and PutRolePolicy in the other account.
    static let bootstrapActionCount = 6

    let moto: MotoServer
    let accessKey: String
    let secretKey: String

    /// Makes the user and the role; afterwards every call must be signed with real keys.
    static func bootstrap(_ moto: MotoServer) throws -> MotoTwoAccounts {
        let output = try moto.python("""
        import json
        allow = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
        trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'
        iam = client('iam')
        iam.create_user(UserName='joinery-auth')
        iam.put_user_policy(UserName='joinery-auth', PolicyName='allow-all', PolicyDocument=allow)
        key = iam.create_access_key(UserName='joinery-auth')['AccessKey']
        bootstrap = client('sts').assume_role(RoleArn='\(roleARN)', RoleSessionName='bootstrap')['Credentials']
        other = boto3.client('iam', endpoint_url='\(moto.endpoint)', region_name='us-east-1',
                             aws_access_key_id=bootstrap['AccessKeyId'], aws_secret_access_key=bootstrap['SecretAccessKey'],
                             aws_session_token=bootstrap['SessionToken'])
        other.create_role(RoleName='\(roleName)', AssumeRolePolicyDocument=trust)
        other.put_role_policy(RoleName='\(roleName)', PolicyName='allow-all', PolicyDocument=allow)
        print(json.dumps({'id': key['AccessKeyId'], 'secret': key['SecretAccessKey']}))
        """)
        let keys = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        return MotoTwoAccounts(moto: moto, accessKey: try XCTUnwrap(keys["id"]), secretKey: try XCTUnwrap(keys["secret"]))
    }

    /// The environment the Auth server's ``AWSInstanceDirectory`` reads: the user's keys, or
    /// the user's key ID with `secretKey` in place of its secret.
    func authEnvironment(secretKey: String? = nil) -> [String: String] {
        moto.awsEnvironment(accessKey: accessKey, secretKey: secretKey ?? self.secretKey)
    }

    /// Launches an instance with the role's assumed credentials, so it lives in the other account.
    func runInstanceInOtherAccount(region: String = "us-east-1") throws -> String {
        let output = try moto.python("""
        role = client('sts').assume_role(RoleArn='\(Self.roleARN)', RoleSessionName='launcher')['Credentials']
        ec2 = boto3.client('ec2', endpoint_url='\(moto.endpoint)', region_name='\(region)',
                           aws_access_key_id=role['AccessKeyId'], aws_secret_access_key=role['SecretAccessKey'],
                           aws_session_token=role['SessionToken'])
        instance = ec2.run_instances(ImageId='ami-12345678', MinCount=1, MaxCount=1)['Instances'][0]
        reservation = ec2.describe_instances(InstanceIds=[instance['InstanceId']])['Reservations'][0]
        print(instance['InstanceId'], reservation['OwnerId'])
        """, accessKey: accessKey, secretKey: secretKey, region: region)
        let fields = output.split(separator: " ").map(String.init)
        XCTAssertEqual(fields.last, Self.otherAccount, "the instance must live in the other account: \(output)")
        return try XCTUnwrap(fields.first)
    }

    /// How many `sts:AssumeRole` sessions whose name starts with `prefix` moto has handed out,
    /// read from moto's model dump (`/moto-api/data.json`, not an AWS action, so unauthenticated).
    func assumedRoleSessions(named prefix: String) throws -> Int {
        let output = try moto.python("""
        import json, urllib.request
        data = json.load(urllib.request.urlopen('\(moto.endpoint)/moto-api/data.json', timeout=20))
        sessions = [r for r in data.get('sts', {}).get('AssumedRole', []) if r.get('session_name', '').startswith('\(prefix)')]
        print(len(sessions))
        """, accessKey: accessKey, secretKey: secretKey)
        return try XCTUnwrap(Int(output), "moto's model dump gave \(output)")
    }
}

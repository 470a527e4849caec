import JoinCore
import StaticJoin
import TokenJoin
import EC2Join
import IAMJoin
import BoundKeypairJoin
import GitHubJoin
import GitLabJoin
import CircleCIJoin
import BitbucketJoin
import TerraformCloudJoin
import SpaceliftJoin
import AzureDevOpsJoin
import Env0Join
import GenericOIDCJoin
import KubernetesJoin
import GCPJoin
import AzureJoin
import TPMJoin

/// The join methods compiled into these binaries: the one list of built-ins handed to the
/// registry. Adding a built-in method means adding its plugin here and nothing else.
public enum BuiltInJoinMethods {
    public static let plugins: [JoinMethodPlugin] = [
        .staticTokens, .storedTokens, .ec2, .iam, .boundKeypair,
        .github, .gitlab, .circleci, .bitbucket, .terraformCloud, .spacelift, .azureDevOps, .env0, .genericOIDC,
        .kubernetes, .gcp, .azure, .tpm,
    ]

    public static let registry = JoinMethodRegistry(plugins: plugins)
}

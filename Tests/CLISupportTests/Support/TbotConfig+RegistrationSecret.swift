import Agent
import BoundKeypairJoin
import CLIKit
import JoinCore

extension TbotConfig {
    /// The registration secret the bound-keypair prover would present for this config in
    /// `environment`: the settings tbot hands the bot runner, read by the plugin.
    func presentedRegistrationSecret(environment: [String: String]) throws -> String? {
        let settings = botSettings(environment: environment)
        return try BoundKeypairOnboarding.registrationSecret(for: ProverContext(
            joinParams: settings.joinParams, joinParamsPath: settings.joinParamsPath, environment: settings.environment))
    }
}

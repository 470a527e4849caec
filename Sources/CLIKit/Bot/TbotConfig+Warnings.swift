extension TbotConfig {
    /// Said when a config has neither `services:` nor `outputs:`. Such a bot is valid — it joins
    /// and keeps its own identity in `storage` — but writes nothing another program can use, and
    /// a oneshot run still exits 0, so without this line it looks like success.
    public var noOutputsWarning: String {
        "\(fileName) has no services or outputs: the bot will join and renew its own identity in \(storage.path) " +
            "but write no credentials for other programs. Add an identity service to \(fileName), e.g. " +
            "`services: [{type: identity, destination: {type: directory, path: \(TbotOutput.exampleIdentityDirectory)}}]`, " +
            "or pass --destination DIR to `tbot start identity`"
    }

    /// What is legal in this config but probably not what was meant, one line each, for tbot to
    /// log as warnings before it starts.
    public var warnings: [String] {
        outputs.isEmpty ? [noOutputsWarning] : []
    }
}

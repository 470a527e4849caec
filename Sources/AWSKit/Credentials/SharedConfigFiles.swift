import Foundation
import JoinCore

/// The AWS shared configuration files (`~/.aws/credentials` and `~/.aws/config`) as the
/// SDKs locate and read them: `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE` and
/// `AWS_PROFILE` choose the files and the profile.
///
/// A profile is `[name]` in the credentials file and `[profile name]` in the config file
/// (`[default]` in both); for a key found in both, the credentials file wins. A missing file
/// counts as empty, because most machines have neither.
public struct SharedConfigFiles: Sendable {
    public let credentialsFile: URL
    public let configFile: URL
    public let profileName: String
    /// Whether `AWS_PROFILE` named the profile (then a missing profile is an error).
    public let profileWasNamed: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func path(_ variable: String, default relative: String) -> URL {
            guard let value = environment[variable], !value.isEmpty else {
                return URL(fileURLWithPath: home).appendingPathComponent(relative)
            }
            if value == "~" { return URL(fileURLWithPath: home) }
            if value.hasPrefix("~/") { return URL(fileURLWithPath: home).appendingPathComponent(String(value.dropFirst(2))) }
            return URL(fileURLWithPath: value)
        }
        credentialsFile = path("AWS_SHARED_CREDENTIALS_FILE", default: ".aws/credentials")
        configFile = path("AWS_CONFIG_FILE", default: ".aws/config")
        if let named = environment["AWS_PROFILE"], !named.isEmpty {
            profileName = named
            profileWasNamed = true
        } else {
            profileName = "default"
            profileWasNamed = false
        }
    }

    /// The chosen profile's settings (lower-cased keys), credentials file over config file;
    /// nil when neither file has the profile.
    public func profileSettings() throws -> [String: String]? {
        let fromCredentials = try Self.sections(of: credentialsFile)
        let fromConfig = try Self.sections(of: configFile)
        let configSection = profileName == "default"
            ? (fromConfig["default"] ?? fromConfig["profile default"])
            : fromConfig["profile \(profileName)"]
        let credentialsSection = fromCredentials[profileName]
        guard configSection != nil || credentialsSection != nil else { return nil }
        return (configSection ?? [:]).merging(credentialsSection ?? [:]) { _, fromCredentialsFile in fromCredentialsFile }
    }

    /// A person-readable statement of where the profile was looked for.
    var whereLooked: String {
        "profile \"\(profileName)\"\(profileWasNamed ? " (from AWS_PROFILE)" : "") in \(credentialsFile.path) and \(configFile.path)"
    }

    /// Parses an INI file into sections of key/value pairs. Comment lines start with `#` or
    /// `;`; indented lines (nested settings such as `s3 =` blocks) are skipped.
    static func sections(of file: URL) throws -> [String: [String: String]] {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            if !FileManager.default.fileExists(atPath: file.path) { return [:] }
            throw JoinError.badParameter("cannot read the AWS shared configuration file \(file.path): check that it is readable UTF-8 text")
        }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            if let first = rawLine.first, first == " " || first == "\t" { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section]?[key] = value
        }
        return sections
    }
}

extension SharedConfigFiles {
    /// The chosen profile's `region` from the config file (the only file the SDKs read it from).
    public func configuredRegion() throws -> String? {
        let sections = try Self.sections(of: configFile)
        let section = profileName == "default"
            ? (sections["default"] ?? sections["profile default"])
            : sections["profile \(profileName)"]
        return section?["region"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

import Foundation

/// Resolves join methods by name. The executables hand it the list of built-in plugins; nothing
/// else in the server or agent names a method.
public struct JoinMethodRegistry: Sendable {
    private let plugins: [String: JoinMethodPlugin]

    public init(plugins: [JoinMethodPlugin]) {
        var table: [String: JoinMethodPlugin] = [:]
        for plugin in plugins { table[plugin.name] = plugin }
        self.plugins = table
    }

    /// Every registered method name, sorted.
    public var availableNames: [String] { plugins.keys.sorted() }

    /// Every registered plugin, sorted by name.
    public var allPlugins: [JoinMethodPlugin] { availableNames.compactMap { plugins[$0] } }

    /// This registry plus `extra` (external plugins). A name may be registered once: an
    /// external plugin cannot replace a built-in method.
    public func adding(_ extra: [JoinMethodPlugin]) throws -> JoinMethodRegistry {
        var seen = Set(plugins.keys)
        for plugin in extra where !seen.insert(plugin.name).inserted {
            throw JoinError.badParameter(
                "join plugin \"\(plugin.name)\": a join method with that name is already registered; choose another name")
        }
        return JoinMethodRegistry(plugins: Array(plugins.values) + extra)
    }

    /// Every `auth_service` key some plugin reads.
    public var authServiceKeys: Set<String> { plugins.values.reduce(into: []) { $0.formUnion($1.authServiceKeys) } }

    /// Checks the method sections of the joining side's settings (`teleport.join_params`,
    /// tbot's `onboarding`): each key must be a section some plugin declared, and parse as
    /// that plugin's prover will. `path` is where they sit in the file (`["onboarding"]`).
    public func checkJoinParams(_ sections: [String: JSONValue], at path: [String]) throws {
        let declared = plugins.values.flatMap(\.joinParamsSections)
        for key in sections.keys.sorted() {
            guard let section = declared.first(where: { $0.key == key }) else {
                throw JoinError.badParameter("unknown field \"\((path + [key]).joined(separator: "."))\"")
            }
            try section.check(sections[key]!, path + [key])
        }
    }

    /// The plugin called `name`, or an error listing the names there are.
    public func plugin(named name: String) throws -> JoinMethodPlugin {
        guard let plugin = plugins[name] else {
            throw JoinError.badParameter(
                "unknown join method \"\(name)\"; available join methods: \(availableNames.joined(separator: ", "))")
        }
        return plugin
    }

    /// Makes the server halves of the enabled methods (all when `enabled` is nil).
    public func makeMethods(enabled: [String]? = nil, context: PluginContext) throws -> JoinMethodSet {
        var methods: [any JoinMethod] = []
        let enabledNames = enabled ?? availableNames
        for name in enabledNames {
            methods.append(try plugin(named: name).makeMethod(context))
        }
        let listing = allPlugins.map {
            JoinMethodListing(name: $0.name, origin: $0.origin, enabled: enabledNames.contains($0.name))
        }
        return JoinMethodSet(methods: methods, registeredNames: availableNames, listing: listing)
    }

    /// Makes the client half for `name`.
    public func makeProver(named name: String, context: ProverContext) throws -> any JoinProver {
        try plugin(named: name).makeProver(context)
    }
}

/// The server halves of the enabled methods, made once at start-up.
public struct JoinMethodSet: Sendable {
    public let methods: [any JoinMethod]
    private let registeredNames: [String]
    /// Every registered method, enabled or not, with where it comes from (`tctl join-methods ls`).
    public let listing: [JoinMethodListing]

    public init(methods: [any JoinMethod], registeredNames: [String]? = nil, listing: [JoinMethodListing]? = nil) {
        self.methods = methods
        self.registeredNames = registeredNames ?? methods.map(\.name).sorted()
        self.listing = listing ?? methods.map { JoinMethodListing(name: $0.name, origin: .builtIn, enabled: true) }
    }

    public var names: [String] { methods.map(\.name) }

    /// The enabled method that serves tokens of `name`.
    public func method(named name: String) -> (any JoinMethod)? {
        methods.first { $0.name == name }
    }

    /// Token sources of the enabled methods, asked before the backend.
    public var tokenSources: [any TokenSource] { methods.compactMap(\.tokenSource) }

    /// Runs every rule of spec §1.3: the common ones, the default method (the one a section
    /// implies, else `token`), then the token's method's own; rejects a method that is unknown
    /// or not enabled, a `spec` section no enabled method owns, and one its method does not own.
    public func validate(_ token: ProvisionToken) async throws -> ProvisionToken {
        var common = try token.checkedCommonFields()
        if common.spec.joinMethod.isEmpty {
            common.spec.joinMethod = defaultMethodName(for: common.spec)
        }
        guard let method = method(named: common.spec.joinMethod) else {
            if registeredNames.contains(common.spec.joinMethod) {
                throw JoinError.badParameter(
                    "join method \"\(common.spec.joinMethod)\" is not enabled on this Auth server; enabled: \(names.joined(separator: ", "))")
            }
            throw JoinError.badParameter("unknown join method \"\(common.spec.joinMethod)\"")
        }
        common.spec.methodSections = try checkedSections(of: common.spec, against: method)
        return try await method.validate(common)
    }

    private func defaultMethodName(for spec: ProvisionToken.Spec) -> String {
        let written = Set(spec.methodSections.filter { $0.value != .array([]) }.keys)
        let implied = methods.first { !$0.impliedBySections.isDisjoint(with: written) }
        return implied?.name ?? ProvisionToken.Spec.defaultJoinMethod
    }

    /// Each section must be the token's method's own. An empty list sets nothing, so Teleport
    /// files that write `allow: []` on a `token` token still load (without it).
    private func checkedSections(of spec: ProvisionToken.Spec, against method: any JoinMethod) throws -> [String: JSONValue] {
        var sections = spec.methodSections
        for key in spec.methodSections.keys.sorted() where !method.tokenSpecSections.contains(key) {
            let owners = methods.filter { $0.tokenSpecSections.contains(key) }.map(\.name)
            if owners.isEmpty {
                throw JoinError.badParameter("unknown field \"spec.\(key)\"")
            }
            if spec.methodSections[key] == .array([]) {
                sections[key] = nil
                continue
            }
            let ownerText = owners.map { "\"\($0)\"" }.joined(separator: " and ")
            throw JoinError.badParameter(
                "spec.\(key) is not compatible with the \"\(method.name)\" join method: it belongs to the \(ownerText) join method\(owners.count == 1 ? "" : "s"); remove it, or set join_method to its method")
        }
        return sections
    }
}

/// One registered join method as `tctl join-methods ls` shows it.
public struct JoinMethodListing: Sendable, Equatable {
    public var name: String
    package var origin: JoinMethodOrigin
    public var enabled: Bool

    package init(name: String, origin: JoinMethodOrigin, enabled: Bool) {
        self.name = name
        self.origin = origin
        self.enabled = enabled
    }
}

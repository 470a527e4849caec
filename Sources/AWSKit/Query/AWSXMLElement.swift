/// An XML element of an AWS query-API response: its name, its own text and its children.
///
/// AWS responses are small, namespace-free in practice and never mixed content, so a plain
/// tree is all the clients need; attributes are kept for completeness.
public struct AWSXMLElement: Sendable, Equatable {
    public let name: String
    public let attributes: [String: String]
    /// The character data directly inside this element, whitespace trimmed.
    public let text: String
    public let children: [AWSXMLElement]

    public init(name: String, attributes: [String: String] = [:], text: String = "", children: [AWSXMLElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The first direct child called `name`.
    public func child(_ name: String) -> AWSXMLElement? {
        children.first { $0.name == name }
    }

    /// Every direct child called `name`.
    public func children(_ name: String) -> [AWSXMLElement] {
        children.filter { $0.name == name }
    }

    /// The element reached by following direct children along `path`.
    public func element(at path: String...) -> AWSXMLElement? {
        element(at: path)
    }

    public func element(at path: [String]) -> AWSXMLElement? {
        path.reduce(Optional(self)) { current, name in current?.child(name) }
    }

    /// The text of the element at `path`, nil when it is missing.
    public func text(at path: String...) -> String? {
        element(at: path)?.text
    }

    /// The first element called `name` in depth-first order, this element included.
    public func firstDescendant(_ name: String) -> AWSXMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.firstDescendant(name) { return found }
        }
        return nil
    }
}

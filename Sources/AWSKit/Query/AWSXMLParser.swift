import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Turns a response body into an ``AWSXMLElement`` tree with Foundation's `XMLParser`.
///
/// External entities are never resolved and nesting is capped, so a hostile or broken
/// endpoint cannot make the parser read files or recurse without bound.
enum AWSXMLParser {
    static let maximumDepth = 64

    struct Failure: Error {
        let reason: String
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> AWSXMLElement {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let parsed = parser.parse()
        if let tooDeep = builder.failure { throw Failure(reason: tooDeep) }
        guard parsed, let root = builder.root else {
            let underlying = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "no root element"
            throw Failure(reason: "line \(parser.lineNumber): \(underlying)")
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        private struct Open {
            var name: String
            var attributes: [String: String]
            var text = ""
            var children: [AWSXMLElement] = []
        }

        private var stack: [Open] = []
        var root: AWSXMLElement?
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String]) {
            guard stack.count < AWSXMLParser.maximumDepth else {
                failure = "elements nested deeper than \(AWSXMLParser.maximumDepth) levels"
                parser.abortParsing()
                return
            }
            stack.append(Open(name: elementName, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let open = stack.popLast() else { return }
            let element = AWSXMLElement(name: open.name, attributes: open.attributes,
                                        text: open.text.trimmingCharacters(in: .whitespacesAndNewlines),
                                        children: open.children)
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }
    }
}

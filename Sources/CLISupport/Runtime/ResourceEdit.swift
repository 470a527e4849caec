import Foundation
import JoinCore

/// What `tctl edit KIND/NAME` decides around the editor, as Teleport's does: which editor to
/// run (`TELEPORT_EDITOR`, `VISUAL`, `EDITOR`, else `vi`, split on whitespace like a shell
/// word list without quoting), and whether the edited file may replace the resource — one
/// document, of the same kind and name. An unchanged file means the edit was cancelled.
public enum ResourceEdit {
    /// The editor command, its arguments before the file's path.
    public static func editorCommand(environment: [String: String]) -> [String] {
        for variable in ["TELEPORT_EDITOR", "VISUAL", "EDITOR"] {
            let words = (environment[variable] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
            if !words.isEmpty { return words }
        }
        return ["vi"]
    }

    /// The edited resource, once it is known to be the one that was opened: exactly one
    /// document, whose kind and name are `kind` and `name`.
    public static func edited(_ documents: [ResourceDocuments.Document], kind: String, name: String) throws -> ResourceDocuments.Document {
        guard documents.count == 1, let document = documents.first else {
            throw JoinError.badParameter(
                "the edited file holds \(documents.count) resources; tctl edit replaces exactly the one it opened (\(kind)/\(name))")
        }
        guard document.kind == kind else {
            throw JoinError.badParameter(
                "changing the kind of a resource is not supported with tctl edit (\(kind) became \(UntrustedString.quoted(document.kind)))")
        }
        guard document.name == name else {
            throw JoinError.notImplemented("renaming resources is not supported with tctl edit; create the new one with tctl create")
        }
        return document
    }
}

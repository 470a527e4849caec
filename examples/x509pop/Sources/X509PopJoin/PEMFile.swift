import Foundation
import JoinCore
import SwiftASN1

/// Reads the PEM files the settings name, bounded in size, with errors that name the setting,
/// the path and what is wrong with the file (missing, a directory, unreadable, too large, not
/// PEM, empty).
enum PEMFile {
    /// Large enough for any sensible CA bundle or certificate chain; a larger file is refused
    /// rather than read into memory.
    static let maximumBytes = 1 << 20

    /// The PEM blocks of the file at `path`; at least one. `setting` names the setting in errors.
    static func documents(at path: String, setting: String) throws -> [PEMDocument] {
        let text = try readText(at: path, setting: setting)
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw X509PopErrors.file(path, setting: setting, "is not valid PEM: \(error)")
        }
        guard !documents.isEmpty else {
            throw X509PopErrors.file(path, setting: setting, "holds no PEM blocks (-----BEGIN ...-----)")
        }
        return documents
    }

    /// A block's label for a message (`PRIVATE KEY`): letters, digits and spaces, bounded.
    static func label(of document: PEMDocument) -> String {
        String(document.discriminator.prefix(64).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") ? $0 : "_" })
    }

    private static func readText(at path: String, setting: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw X509PopErrors.file(path, setting: setting, "does not exist")
        }
        guard !isDirectory.boolValue else {
            throw X509PopErrors.file(path, setting: setting, "is a directory, not a PEM file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw X509PopErrors.file(path, setting: setting, "cannot be read (check its permissions)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw X509PopErrors.file(path, setting: setting, "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumBytes else {
            throw X509PopErrors.file(path, setting: setting, "is larger than \(maximumBytes) bytes")
        }
        guard !data.isEmpty else {
            throw X509PopErrors.file(path, setting: setting, "is empty")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw X509PopErrors.file(path, setting: setting, "is not PEM text (it is not UTF-8)")
        }
        return text
    }
}

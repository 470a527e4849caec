import Foundation
import Glibc
import JoinCore

/// Reads a password or code: from the terminal without echo, or a line of standard input when
/// it is not a terminal (scripts, tests).
enum SecretPrompt {
    static func read(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        if !terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        guard let line = readLine(strippingNewline: true) else {
            throw JoinError.badParameter("no input for \"\(prompt.trimmingCharacters(in: .whitespaces))\"")
        }
        return line
    }
}

import Foundation

/// The invite page (`/web/invite/<token>`): where a user `tctl users add` created sets a
/// password and enrolls an OTP device. Plain HTML with a form (no script, nothing loaded from
/// elsewhere); the OTP secret is shown as text and as an `otpauth://` link for authenticator
/// apps.
enum InvitePage {
    struct Details {
        var user: String
        var otpSecret: String?
        var otpURI: String?
        var expires: Date
        var reset: Bool
    }

    static func form(_ details: Details, token: String, error: String? = nil) -> String {
        let title = details.reset ? "Reset your password" : "Set up your account"
        var body = "<h1>\(escape(title))</h1>\n<p>Cluster user <strong id=\"user\">\(escape(details.user))</strong>. "
            + "This link is valid until \(escape(RFC3339Text.format(details.expires))) and can be used once.</p>\n"
        if let error {
            body += "<p class=\"error\" id=\"error\" role=\"alert\">\(escape(error))</p>\n"
        }
        body += "<form method=\"post\" action=\"/web/invite/\(escape(token))\">\n"
        body += field(id: "password", label: "Password (12 to 128 characters)", type: "password", autocomplete: "new-password")
        body += field(id: "password_confirm", label: "Confirm password", type: "password", autocomplete: "new-password")
        if let secret = details.otpSecret {
            body += "<h2>Two-factor authentication</h2>\n<p>Add this key to your authenticator app (TOTP, SHA-1, 6 digits, 30 seconds), "
                + "then enter the code it shows.</p>\n<p>Key: <code id=\"otp_secret\">\(escape(secret))</code></p>\n"
            if let uri = details.otpURI {
                body += "<p><a id=\"otp_uri\" href=\"\(escape(uri))\">Open in an authenticator app</a></p>\n"
            }
            body += field(id: "otp_code", label: "Code from the app", type: "text", autocomplete: "one-time-code")
        }
        body += "<button type=\"submit\" id=\"submit\">\(details.reset ? "Reset password" : "Create account")</button>\n</form>\n"
        return page(title: title, body: body)
    }

    static func done(user: String, proxy: String) -> String {
        page(title: "Account ready", body: """
            <h1 id="done">Your account is ready</h1>
            <p>Sign in from a terminal:</p>
            <pre id="login">tsh login --proxy=\(escape(proxy)) --user=\(escape(user))</pre>
            """)
    }

    static func invalid(_ message: String) -> String {
        page(title: "Invalid link", body: "<h1>Invalid link</h1>\n<p id=\"error\" class=\"error\">\(escape(message))</p>\n")
    }

    private static func field(id: String, label: String, type: String, autocomplete: String) -> String {
        "<p><label for=\"\(id)\">\(escape(label))</label><br>"
            + "<input id=\"\(id)\" name=\"\(id)\" type=\"\(type)\" autocomplete=\"\(autocomplete)\" required></p>\n"
    }

    private static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Joinery</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}input{width:100%;padding:.4em}
        button{padding:.5em 1.2em}.error{color:#a00}code,pre{background:#eee;padding:.2em .4em}</style></head>
        <body>
        \(body)</body></html>

        """
    }

    /// HTML text and attribute escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// `2026-12-07 10:00:00 UTC`, as pages show times.
enum RFC3339Text {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}

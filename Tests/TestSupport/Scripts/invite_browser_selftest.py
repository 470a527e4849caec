#!/usr/bin/env python3
"""Smoke test of invite_browser.py against a fake invite page. Standard library only.

Starts an HTTPS server on 127.0.0.1 (self-signed P-256 certificate made with openssl)
that serves a page shaped like the Proxy Service's invite page, with the same CSP, on
GET /web/invite/abc, and checks the POSTed form (password == password_confirm, TOTP code
valid for the secret within one step). Then runs invite_browser.py for: a good run (PNG
screenshots checked), a wrong one-time code, a mismatched --confirm, no code, an unknown
link, the good run with --input-mode dom (DOM.focus + Input.insertText, mouse click) and with
a very long TMPDIR, a refused connection and a server that never answers (both exit 3).
Every run gets a TMPDIR of its own, checked afterwards for leftover files and processes.
Runs every case, prints a line per case, exits 1 if any failed; always stops its server and
removes its temporary directory (unless --keep).

    python3 invite_browser_selftest.py [--keep] [-v]
"""

import argparse
import base64
import hashlib
import hmac
import html
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "invite_browser.py")

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # RFC 4648 base32, no padding
TOKEN = "abc"
USER = "alice"
PASSWORD = "correct horse battery staple 42!"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def totp(secret_b32, counter):
    cleaned = secret_b32.upper().rstrip("=")
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def totp_valid(code, secret_b32):
    now = int(time.time() // 30)
    return any(hmac.compare_digest(code, totp(secret_b32, now + skew)) for skew in (-1, 0, 1))


STYLE = "<style>body{font-family:sans-serif;margin:2em}label{display:block;margin:.5em 0}</style>"


def form_page(error=None):
    error_html = '<p id="error">%s</p>' % html.escape(error) if error else ""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Joinery - accept invite</title>{STYLE}</head>
<body>
<h1>Welcome, <strong id="user">{html.escape(USER)}</strong></h1>
{error_html}
<form method="post" action="/web/invite/{TOKEN}">
<label>Password <input type="password" id="password" name="password" autocomplete="new-password"></label>
<label>Confirm <input type="password" id="password_confirm" name="password_confirm" autocomplete="new-password"></label>
<p>Add this secret to your authenticator: <code id="otp_secret">{SECRET}</code></p>
<label>One-time code <input type="text" id="otp_code" name="otp_code" inputmode="numeric" autocomplete="one-time-code"></label>
<button type="submit" id="submit">Create account</button>
</form>
</body></html>"""


def done_page(proxy):
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Joinery - account ready</title>{STYLE}</head>
<body><h1 id="done">Your account is ready</h1>
<p>Log in with:</p><pre id="login">tsh login --proxy={html.escape(proxy)} --user={html.escape(USER)}</pre>
</body></html>"""


INVALID_PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Joinery - invalid link</title>{STYLE}</head>
<body><h1>Invalid link</h1><p id="error">This invite link is invalid or has expired.</p></body></html>"""


class Handler(BaseHTTPRequestHandler):
    posts = []  # what the browser submitted, for the checks

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("server: " + (fmt % args) + "\n")

    def answer(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/web/invite/hang":  # never answers (until the test ends)
            self.server.release.wait(60)
            return
        if self.path == "/web/invite/" + TOKEN:
            self.answer(200, form_page())
        elif self.path.startswith("/web/invite/"):
            self.answer(404, INVALID_PAGE)
        else:
            self.send_error(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
        field = lambda name: (fields.get(name) or [""])[0]
        Handler.posts.append({"path": self.path, "password": field("password"),
                              "password_confirm": field("password_confirm"), "otp_code": field("otp_code"),
                              "content_type": self.headers.get("Content-Type")})
        if self.path != "/web/invite/" + TOKEN:
            self.answer(404, INVALID_PAGE)
        elif not field("password"):
            self.answer(400, form_page("Enter a password."))
        elif field("password") != field("password_confirm"):
            self.answer(400, form_page("The passwords do not match."))
        elif not totp_valid(field("otp_code"), SECRET):
            self.answer(400, form_page("The one-time code is not valid."))
        else:
            self.answer(200, done_page("127.0.0.1:%d" % self.server.server_address[1]))


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    return cert, key


def check_png(path):
    with open(path, "rb") as handle:
        head = handle.read(24)
    if head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG" % path)
    width, height = struct.unpack(">II", head[16:24])
    if width < 100 or height < 100:
        raise AssertionError("%s is only %dx%d" % (path, width, height))
    return width, height


def leftovers(tmpdir):
    """Files the script left in its TMPDIR, and processes still running with it in their command line."""
    files = os.listdir(tmpdir)
    processes = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                if tmpdir.encode() in handle.read():
                    processes.append(int(pid))
        except OSError:
            pass
    return files, processes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (screenshots)")
    parser.add_argument("-v", "--verbose", action="store_true")
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="ibst-")
    server = thread = None
    failures = []
    try:
        cert, key = make_certificate(workdir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.release = threading.Event()
        server.verbose = options.verbose
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = "https://127.0.0.1:%d" % server.server_address[1]
        url = base + "/web/invite/" + TOKEN

        runs = []

        def run(name, extra, url=url, expect_status=None, long_tmpdir=False):
            form_png = os.path.join(workdir, name + "-form.png")
            result_png = os.path.join(workdir, name + "-result.png")
            command = [sys.executable, SCRIPT, "--url", url, "--password", PASSWORD,
                       "--screenshot-form", form_png, "--screenshot-result", result_png] + extra
            if options.verbose:
                command.append("--debug")
            del Handler.posts[:]
            # a TMPDIR of its own, to check the script leaves nothing behind; kept short, as the
            # script moves a profile with a long path (see long-tmpdir) to /tmp
            runs.append(name)
            tmpdir = os.path.join(workdir, "t%d" % len(runs))
            if long_tmpdir:
                tmpdir = os.path.join(workdir, "deep" * 20)
            os.mkdir(tmpdir)
            started = time.monotonic()
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                                  env=dict(os.environ, TMPDIR=tmpdir))
            took = time.monotonic() - started
            files, processes = leftovers(tmpdir)
            if files or processes:
                raise AssertionError("%s: left behind files %s, processes %s" % (name, files, processes))
            out, err = done.stdout.decode(), done.stderr.decode()
            shown = " ".join("'<password>'" if a == PASSWORD else a for a in command[1:])
            print("[%s] %.2f s, exit %d: %s" % (name, took, done.returncode, shown))
            if options.verbose and err.strip():
                print("  stderr: " + err.strip().replace("\n", "\n  stderr: "))
            if PASSWORD in out or PASSWORD in err:
                raise AssertionError("%s: the password was printed" % name)
            if expect_status is not None:
                return done.returncode, out, err
            if done.returncode != 0:
                raise AssertionError("%s: exit %d, stderr:\n%s" % (name, done.returncode, err))
            lines = out.strip().splitlines()
            if len(lines) != 1:
                raise AssertionError("%s: expected one line of JSON, got %r" % (name, out))
            answer = json.loads(lines[0])
            print("  -> " + lines[0])
            return answer, form_png, result_png, list(Handler.posts)

        def case(name, function):
            try:
                function()
                print("  ok")
            except AssertionError as error:
                print("  FAILED: %s" % error)
                failures.append(name)

        def expect(condition, message):
            if not condition:
                raise AssertionError(message)

        def good(name, extra):
            answer, form_png, result_png, posts = run(name, extra)
            expect(answer["done"] is True, "done should be true")
            expect(answer["error"] is None, "error should be null")
            expect(answer["user"] == USER, "user should be %r" % USER)
            expect(answer["otp_secret"] == SECRET, "otp_secret should be the page's")
            expect(answer["login_hint"] == "tsh login --proxy=127.0.0.1:%d --user=%s"
                   % (server.server_address[1], USER), "login_hint %r" % answer["login_hint"])
            expect(answer["title"] == "Joinery - account ready", "title %r" % answer["title"])
            expect(answer["final_url"] == url, "final_url %r" % answer["final_url"])
            expect(len(posts) == 1, "expected one POST, saw %d" % len(posts))
            expect(posts[0]["password"] == PASSWORD and posts[0]["password_confirm"] == PASSWORD,
                   "the browser did not submit the password as typed")
            expect(posts[0]["content_type"] == "application/x-www-form-urlencoded", "content type")
            for png in (form_png, result_png):
                expect(os.path.exists(png), "%s missing" % png)
                print("  %s: %dx%d PNG, %d bytes" % ((os.path.basename(png),) + check_png(png) + (os.path.getsize(png),)))

        def wrong_otp():
            answer, form_png, result_png, posts = run("wrong-otp", ["--otp", "wrong"])
            expect(answer["done"] is False, "done should be false")
            expect(answer["error"] == "The one-time code is not valid.", "error %r" % answer["error"])
            expect(len(posts) == 1 and posts[0]["otp_code"].isdigit() and len(posts[0]["otp_code"]) == 6,
                   "a six-digit code should have been posted")
            check_png(form_png)
            check_png(result_png)

        def mismatch():
            answer, _, result_png, posts = run("mismatch", ["--confirm", "something else"])
            expect(answer["done"] is False, "done should be false")
            expect(answer["error"] == "The passwords do not match.", "error %r" % answer["error"])
            expect(len(posts) == 1 and posts[0]["password_confirm"] == "something else", "confirm field posted")
            check_png(result_png)

        def no_otp():
            answer, _, _, posts = run("no-otp", ["--otp", "none"])
            expect(answer["done"] is False, "done should be false")
            expect(answer["error"] == "The one-time code is not valid.", "error %r" % answer["error"])
            expect(len(posts) == 1 and posts[0]["otp_code"] == "", "the code should have been left empty")

        def invalid_link():
            answer, _, result_png, posts = run("invalid-link", [], url=base + "/web/invite/nope")
            expect(answer["done"] is False, "done should be false")
            expect(answer["user"] is None and answer["otp_secret"] is None, "no user on an invalid link")
            expect(answer["error"] == "This invite link is invalid or has expired.", "error %r" % answer["error"])
            expect(answer["title"] == "Joinery - invalid link", "title %r" % answer["title"])
            expect(not posts, "nothing should have been posted")
            check_png(result_png)

        case("good", lambda: good("good", ["--otp", "auto"]))
        case("wrong-otp", wrong_otp)
        case("mismatch", mismatch)
        case("no-otp", no_otp)
        case("invalid-link", invalid_link)
        case("good-dom-input", lambda: good("good-dom-input", ["--input-mode", "dom"]))

        def long_tmpdir():
            # Chromium aborts when its singleton socket path (under TMPDIR) is too long
            answer, _, _, _ = run("long-tmpdir", [], long_tmpdir=True)
            expect(answer["done"] is True, "done should be true")

        case("long-tmpdir", long_tmpdir)

        def refused():
            # nothing listens there: the script must fail cleanly (non-zero, message on stderr)
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
            probe.close()
            status, out, err = run("refused", [], url="https://127.0.0.1:%d/web/invite/x" % closed_port, expect_status=3)
            print("  stderr: " + err.strip().splitlines()[0])
            expect(status == 3, "exit status should be 3, not %d" % status)
            expect(out == "", "nothing on stdout")
            expect("ERR_CONNECTION_REFUSED" in err, "stderr should name the error")

        def hang():
            # the server never answers: the script must give up after --timeout, kill the browser
            started = time.monotonic()
            status, out, err = run("hang", ["--timeout", "3"], url=base + "/web/invite/hang", expect_status=3)
            took = time.monotonic() - started
            print("  stderr: " + err.strip().splitlines()[0])
            expect(status == 3, "exit status should be 3, not %d" % status)
            expect(out == "", "nothing on stdout")
            expect("timed out" in err, "stderr should say it timed out")
            expect(took < 20, "took %.1f s" % took)

        case("refused", refused)
        case("hang", hang)
    finally:
        if server is not None:
            server.release.set()
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if options.keep:
            print("kept " + workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

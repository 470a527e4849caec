#!/usr/bin/env python3
"""Completes a Joinery user invite in a real headless Chromium.

Drives Debian's ``chromium`` through the DevTools Protocol over
``--remote-debugging-pipe`` (NUL-terminated JSON messages; the browser reads
commands on its fd 3 and writes answers and events on its fd 4), using flattened
sessions. Standard library only.

    invite_browser.py --url URL --password PASSWORD [--otp auto|none|wrong]
                      [--screenshot-form PATH] [--screenshot-result PATH]
                      [--confirm PASSWORD2]

The invite page (served by the Proxy Service, self-signed certificate, strict CSP
and no JavaScript of its own) is expected to have ``#user``, a form with
``#password``, ``#password_confirm``, optionally ``#otp_secret`` (base32 TOTP
secret) and ``#otp_code``, and a ``#submit`` button. The answer page has
``#done`` and ``#login`` on success, ``#error`` on failure.

Prints ONE line of JSON on stdout::

    {"user": ..., "otp_secret": ... | null, "done": bool, "error": ... | null,
     "login_hint": ... | null, "title": ..., "final_url": ...}

Exit status: 0 when the flow ran (whatever the page answered); 3 when the
browser could not be driven (a step took longer than --timeout, the browser
died, the invite page could not be loaded, or sending the form ended on the
browser's own network-error page); 4 when Chromium is missing; 2 for bad
arguments. The password is never printed (it is, though, on this command line).

The browser runs with a throw-away profile that is also its TMPDIR, in a
process group of its own; on every exit (including timeouts and SIGTERM/SIGHUP)
it is closed, its group killed and the profile removed. With --debug, progress,
timings and a CSP probe go to stderr.

Page reading, field filling and the click go through ``Runtime.evaluate``:
DevTools evaluation is not subject to the page's Content-Security-Policy
(checked against ``default-src 'none'``). ``--input-mode dom`` (or an evaluation
failure while filling) uses ``DOM.querySelector`` + ``DOM.focus`` +
``Input.insertText`` instead.
"""

import argparse
import base64
import fcntl
import hashlib
import hmac
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 20.0


class DriveError(Exception):
    """The browser could not be driven (timeout, crash, protocol error)."""


# --------------------------------------------------------------------------- TOTP

def totp(secret_b32, at=None, step=30, digits=6):
    """RFC 6238 TOTP (HMAC-SHA1) for an RFC 4648 base32 secret, padding optional."""
    cleaned = "".join(secret_b32.split()).upper().rstrip("=")
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (digits, value % (10 ** digits))


# --------------------------------------------------------------------------- CDP over a pipe

class CDPPipe:
    """A DevTools Protocol connection over --remote-debugging-pipe."""

    def __init__(self, write_fd, read_fd, proc, timeout):
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.proc = proc
        self.timeout = timeout
        self.next_id = 0
        self.buffer = b""
        self.responses = {}
        self.events = []

    def _write(self, data):
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DriveError("timed out writing to the browser")
            _, writable, _ = select.select([], [self.write_fd], [], remaining)
            if not writable:
                continue
            try:
                written = os.write(self.write_fd, view)
            except BrokenPipeError:
                raise DriveError("the browser closed its DevTools pipe (exit status %s)" % self.proc.poll())
            view = view[written:]

    def _pump(self, deadline):
        """Reads what is available (waiting at most until deadline); returns False on timeout."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        readable, _, _ = select.select([self.read_fd], [], [], remaining)
        if not readable:
            return False
        chunk = os.read(self.read_fd, 1 << 20)
        if not chunk:
            raise DriveError("the browser closed its DevTools pipe (exit status %s)" % self.proc.poll())
        self.buffer += chunk
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            if not raw.strip():
                continue
            message = json.loads(raw.decode("utf-8"))
            if "id" in message:
                self.responses[message["id"]] = message
            else:
                self.events.append(message)
        return True

    def send(self, method, params=None, session=None):
        """Sends a command without waiting; returns its id."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._write(json.dumps(message).encode("utf-8") + b"\0")
        return self.next_id

    def call(self, method, params=None, session=None, timeout=None):
        """Sends a command and waits for its result; raises DriveError on error or timeout."""
        ident = self.send(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while ident not in self.responses:
            if not self._pump(deadline):
                raise DriveError("timed out after %.0f s waiting for %s" % (timeout or self.timeout, method))
        answer = self.responses.pop(ident)
        if "error" in answer:
            raise DriveError("%s failed: %s" % (method, answer["error"].get("message", answer["error"])))
        return answer.get("result", {})

    def forget_events(self, method, session=None):
        self.events = [e for e in self.events
                       if not (e.get("method") == method and (session is None or e.get("sessionId") == session))]

    def wait_event(self, method, session=None, timeout=None, what=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    del self.events[index]
                    return event.get("params", {})
            if not self._pump(deadline):
                raise DriveError("timed out after %.0f s waiting for %s" % (timeout or self.timeout, what or method))


# --------------------------------------------------------------------------- browser process

def find_chromium(explicit):
    candidates = [explicit] if explicit else [os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                                              shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def make_profile_dir():
    """A fresh directory for the profile, also the browser's TMPDIR (so all it writes goes away).

    Chromium puts its singleton socket at $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket
    and aborts ("Socket path too long") past the 107 bytes of a Unix socket path, so a profile
    path longer than 60 bytes (a test's deep TMPDIR) is made under /tmp instead.
    """
    profile = tempfile.mkdtemp(prefix="invite-browser-")
    if len(profile.encode()) > 60 and os.path.isdir("/tmp"):
        os.rmdir(profile)
        profile = tempfile.mkdtemp(prefix="invite-browser-", dir="/tmp")
    return profile


def high_fd(fd):
    """Moves fd to a close-on-exec number >= 64, out of the way of fds 0-4."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64)
    os.close(fd)
    return moved


def launch(chromium, profile, log_path, window):
    """Starts the browser with its DevTools pipe on its fds 3 (commands in) and 4 (answers out).

    Returns (process, fd we write commands to, fd we read answers from). The browser leads a
    new session (so its helpers can be killed as one process group).
    """
    # Pipe A: we write, the browser reads (its fd 3). Pipe B: the browser writes (its fd 4), we read.
    a_read, a_write = os.pipe()
    b_read, b_write = os.pipe()
    ours_w, ours_r = high_fd(a_write), high_fd(b_read)
    theirs_r, theirs_w = high_fd(a_read), high_fd(b_write)
    log = high_fd(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))

    args = [chromium,
            "--headless=new", "--remote-debugging-pipe", "--ignore-certificate-errors",
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--user-data-dir=" + profile, "--window-size=%s" % window,
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--password-store=basic",
            "--use-mock-keychain", "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--hide-scrollbars", "--mute-audio",
            "about:blank"]

    # Put the browser's pipe ends on our own fds 3 and 4 for the time of the spawn (this script
    # has a single thread), hand exactly those down with pass_fds, then put back what was there.
    saved = {}
    for fd in (3, 4):
        try:
            saved[fd] = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64), os.get_inheritable(fd))
        except OSError:
            saved[fd] = None
    try:
        os.dup2(theirs_r, 3)
        os.dup2(theirs_w, 4)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                pass_fds=(3, 4), start_new_session=True,
                                env=dict(os.environ, HOME=profile, TMPDIR=profile))
    except BaseException:
        os.close(ours_w)
        os.close(ours_r)
        raise
    finally:
        for fd, previous in saved.items():
            if previous is None:
                os.close(fd)
            else:
                os.dup2(previous[0], fd, inheritable=previous[1])
                os.close(previous[0])
        for fd in (theirs_r, theirs_w, log):
            os.close(fd)
    return proc, ours_w, ours_r


def stop_browser(proc, cdp):
    """Closes the browser politely, then kills its whole process group (it leads a new session)."""
    if proc is None:
        return
    if cdp is not None and proc.poll() is None:
        try:
            cdp.send("Browser.close")
            proc.wait(timeout=3)
        except Exception:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # the group of the child we started (start_new_session)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            # the browser is gone; make sure no helper of its group survives
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            break
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


# --------------------------------------------------------------------------- page helpers

READ_PAGE = r"""(() => {
  const text = (id) => { const e = document.getElementById(id); return e ? e.textContent.trim() : null; };
  return JSON.stringify({
    user: text('user'), otp_secret: text('otp_secret'),
    done: !!document.getElementById('done'), error: text('error'), login_hint: text('login'),
    title: document.title, final_url: location.href,
    has_form: !!document.getElementById('password'),
    has_confirm: !!document.getElementById('password_confirm'),
    has_otp_input: !!document.getElementById('otp_code'),
    has_submit: !!document.getElementById('submit'),
    ready: document.readyState
  });
})()"""

# Shows (with --debug) how the page's CSP meets DevTools evaluation: code sent with
# Runtime.evaluate runs, even eval() inside it, while a <script> element it adds to the page is
# still blocked by `default-src 'none'` (so the CSP is in force, and evaluation is exempt).
CSP_PROBE = r"""(() => {
  let ev; try { ev = eval('1 + 1') === 2 ? 'allowed' : 'odd'; } catch (e) { ev = 'blocked (' + e.name + ')'; }
  window.__inviteBrowserProbe = 'blocked';
  const s = document.createElement('script');
  s.textContent = "window.__inviteBrowserProbe = 'ran'";
  document.documentElement.appendChild(s); s.remove();
  const page = window.__inviteBrowserProbe; delete window.__inviteBrowserProbe;
  return 'Runtime.evaluate ran; eval() inside it: ' + ev + '; a <script> element added to the page: ' + page;
})()"""


class Page:
    def __init__(self, cdp, session, debug):
        self.cdp = cdp
        self.session = session
        self.debug = debug

    def log(self, message):
        if self.debug:
            sys.stderr.write("invite_browser: %s\n" % message)

    def call(self, method, params=None, timeout=None):
        return self.cdp.call(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression, what):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": False, "userGesture": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = (details.get("exception") or {}).get("description") or details.get("text")
            # never echo the expression: it may hold the password
            raise DriveError("evaluating %s threw: %s" % (what, str(description).splitlines()[0]))
        return (result.get("result") or {}).get("value")

    def wait_load(self, what, timeout=None):
        self.cdp.wait_event("Page.loadEventFired", session=self.session, timeout=timeout, what=what)

    def navigate(self, url):
        self.cdp.forget_events("Page.loadEventFired", self.session)
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise DriveError("navigating to the invite page failed: %s" % result["errorText"])
        self.wait_load("the invite page to load")

    def read(self):
        return json.loads(self.evaluate(READ_PAGE, "the page reader"))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    # -- filling

    def fill_eval(self, element_id, value):
        expression = ("(() => { const e = document.getElementById(%s); if (!e) return false;"
                      " e.focus(); e.value = %s;"
                      " e.dispatchEvent(new Event('input', {bubbles: true}));"
                      " e.dispatchEvent(new Event('change', {bubbles: true}));"
                      " return e.value === %s; })()") % (json.dumps(element_id), json.dumps(value), json.dumps(value))
        if self.evaluate(expression, "the filler of #%s" % element_id) is not True:
            raise DriveError("could not fill #%s" % element_id)

    def fill_dom(self, element_id, value):
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": "#" + element_id})["nodeId"]
        if not node:
            raise DriveError("no #%s on the page" % element_id)
        self.call("DOM.focus", {"nodeId": node})
        # select what is there so typing replaces it
        self.call("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": "a", "code": "KeyA",
                                             "windowsVirtualKeyCode": 65, "modifiers": 2, "commands": ["selectAll"]})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": "a", "code": "KeyA",
                                             "windowsVirtualKeyCode": 65, "modifiers": 2})
        self.call("Input.insertText", {"text": value})

    def fill(self, element_id, value, mode):
        if mode == "eval":
            try:
                self.fill_eval(element_id, value)
                return
            except DriveError as error:
                self.log("Runtime.evaluate could not fill #%s (%s); using Input.insertText" % (element_id, error))
        self.fill_dom(element_id, value)

    def click_submit(self, mode):
        if mode == "eval":
            try:
                if self.evaluate("(() => { const b = document.getElementById('submit');"
                                 " if (!b) return false; b.click(); return true; })()", "the submit click") is True:
                    return
                raise DriveError("no #submit on the page")
            except DriveError as error:
                self.log("Runtime.evaluate could not click #submit (%s); clicking with the mouse" % error)
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": "#submit"})["nodeId"]
        if not node:
            raise DriveError("no #submit on the page")
        self.call("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quad = self.call("DOM.getBoxModel", {"nodeId": node})["model"]["content"]
        x = sum(quad[0::2]) / 4.0
        y = sum(quad[1::2]) / 4.0
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


# --------------------------------------------------------------------------- the flow

def run(options):
    chromium = find_chromium(options.chromium)
    if chromium is None:
        sys.stderr.write("invite_browser: chromium not found (%s)\n"
                         % (options.chromium or "looked at $CHROMIUM, /usr/bin/chromium and PATH"))
        return 4

    profile = make_profile_dir()
    log_path = os.path.join(profile, "chromium.log")
    proc = cdp = None
    write_fd = read_fd = None
    started = time.monotonic()
    try:
        proc, write_fd, read_fd = launch(chromium, profile, log_path, options.window_size)
        cdp = CDPPipe(write_fd, read_fd, proc, options.timeout)
        version = cdp.call("Browser.getVersion")
        debug = options.debug
        if debug:
            sys.stderr.write("invite_browser: %s (%.2f s)\n" % (version.get("product"), time.monotonic() - started))
        try:
            cdp.call("Security.setIgnoreCertificateErrors", {"ignore": True})
        except DriveError:
            pass  # --ignore-certificate-errors is there anyway

        target = None
        for candidate in cdp.call("Target.getTargets").get("targetInfos", []):
            if candidate.get("type") == "page":
                target = candidate["targetId"]
                break
        if target is None:
            target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(cdp, session, debug)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("DOM.enable")

        page.navigate(options.url)
        form = page.read()
        page.log("invite page loaded (%.2f s): title=%r form=%s otp=%s"
                 % (time.monotonic() - started, form["title"], form["has_form"], form["otp_secret"] is not None))
        if debug:
            page.log("CSP probe: %s" % page.evaluate(CSP_PROBE, "the CSP probe"))

        result = form
        if form["has_form"] and form["has_submit"]:
            page.fill("password", options.password, options.input_mode)
            if form["has_confirm"]:
                page.fill("password_confirm", options.password if options.confirm is None else options.confirm,
                          options.input_mode)
            if form["has_otp_input"] and options.otp != "none":
                secret = form["otp_secret"]
                if not secret:
                    raise DriveError("the page asks for a one-time code but shows no #otp_secret")
                if options.otp == "auto":
                    left = 30 - time.time() % 30
                    if left < 3:  # do not type a code that expires while the form is sent
                        page.log("waiting %.1f s for the next TOTP step" % (left + 0.2))
                        time.sleep(left + 0.2)
                    code = totp(secret)
                else:  # the current code + 1, moved on until no step within +-2 accepts it
                    now = time.time()
                    near = {totp(secret, at=now + 30 * skew) for skew in range(-2, 3)}
                    code = totp(secret, at=now)
                    while code in near:
                        code = "%06d" % ((int(code) + 1) % 1000000)
                page.fill("otp_code", code, options.input_mode)
            if options.screenshot_form:
                page.screenshot(options.screenshot_form)
            cdp.forget_events("Page.loadEventFired", session)
            page.click_submit(options.input_mode)
            page.wait_load("the answer to the form")
            result = page.read()
            if result["final_url"].startswith("chrome-error:"):
                raise DriveError("sending the form failed: the browser shows its error page (%r)" % result["title"])
            page.log("answer loaded (%.2f s): title=%r done=%s" % (time.monotonic() - started, result["title"], result["done"]))
        elif options.screenshot_form:
            page.screenshot(options.screenshot_form)  # no form: keep a picture of what was shown
        if options.screenshot_result:
            page.screenshot(options.screenshot_result)

        output = {
            "user": form["user"] if form["user"] is not None else result["user"],
            "otp_secret": form["otp_secret"],
            "done": bool(result["done"]),
            "error": result["error"],
            "login_hint": result["login_hint"],
            "title": result["title"],
            "final_url": result["final_url"],
        }
        sys.stdout.write(json.dumps(output) + "\n")
        sys.stdout.flush()
        return 0
    except DriveError as error:
        sys.stderr.write("invite_browser: %s\n" % error)
        try:
            with open(log_path, "rb") as handle:
                tail = handle.read()[-2000:].decode("utf-8", "replace").strip()
            if tail and (options.debug or proc is None or proc.poll() is not None):
                sys.stderr.write("invite_browser: chromium output (tail):\n%s\n" % tail)
        except OSError:
            pass
        return 3
    except OSError as error:
        sys.stderr.write("invite_browser: could not run the browser: %s\n" % error)
        return 3
    finally:
        stop_browser(proc, cdp)
        for fd in (write_fd, read_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        shutil.rmtree(profile, ignore_errors=True)
        if options.debug:
            sys.stderr.write("invite_browser: finished in %.2f s\n" % (time.monotonic() - started))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Complete a Joinery invite in headless Chromium.")
    parser.add_argument("--url", required=True, help="the invite URL (https://.../web/invite/TOKEN)")
    parser.add_argument("--password", required=True, help="the password to set (never printed)")
    parser.add_argument("--confirm", default=None, help="what to type in password_confirm (default: the password)")
    parser.add_argument("--otp", choices=("auto", "none", "wrong"), default="auto",
                        help="auto: type the current TOTP code; wrong: a wrong code; none: leave it empty")
    parser.add_argument("--screenshot-form", default=None, help="PNG of the filled form, before submitting")
    parser.add_argument("--screenshot-result", default=None, help="PNG of the answer page")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per browser step (default 20)")
    parser.add_argument("--chromium", default=None, help="the browser binary (default /usr/bin/chromium)")
    parser.add_argument("--window-size", default="1024,768")
    parser.add_argument("--input-mode", choices=("eval", "dom"), default="eval",
                        help="eval: Runtime.evaluate; dom: DOM.focus + Input.insertText and a mouse click")
    parser.add_argument("--debug", action="store_true", help="progress, timings and a CSP probe on stderr")
    options = parser.parse_args(argv)

    def terminate(signum, _frame):
        raise SystemExit(128 + signum)  # unwinds through run()'s finally: browser killed, profile removed

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    return run(options)


if __name__ == "__main__":
    sys.exit(main())

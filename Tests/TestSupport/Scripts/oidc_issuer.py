#!/usr/bin/env python3
"""A real OpenID Connect issuer on 127.0.0.1 for tests of the OIDC join methods.

    python3 oidc_issuer.py --dir DIR

Makes its own CA (ECDSA P-256) and a server certificate for 127.0.0.1 and localhost, writes
the CA to DIR/ca.pem, and listens twice on 127.0.0.1:

  admin <port>    plain HTTP, the test's control API (mint, rotate, outage, cache, stats);
  serving <port>  HTTPS, what the code under test talks to: discovery and JWKS for any
                  number of issuers, the token endpoints of GitHub Actions and Azure DevOps,
                  Kubernetes' TokenReview, and Azure Resource Manager's GET of a VM.

The admin port also plays the metadata servers a VM reaches over plain HTTP: GCE's identity
endpoint and Azure's IMDS (attested data signed with `openssl cms -sign` by a test CA whose
root and issuing CA are written to DIR/azure-trust/, and managed identity access tokens).

Both lines are printed (admin first) once both listeners are up. Every path NAME on the
HTTPS port (one or more segments, or none) is an issuer, https://127.0.0.1:<port>/NAME,
created on first use with one RS256 key (kid NAME-1). Standard library plus the `cryptography` package only.
"""

import argparse
import base64
import collections
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError as error:  # the Swift side skips on this line
    print(f"oidc_issuer: missing python package cryptography ({error})", flush=True)
    sys.exit(3)


# --- JOSE -------------------------------------------------------------------------------------

RSA_ALGS = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512, "PS256": hashes.SHA256}
EC_ALGS = {"ES256": (ec.SECP256R1, hashes.SHA256, 32, "P-256"), "ES384": (ec.SECP384R1, hashes.SHA384, 48, "P-384")}
ALGS = list(RSA_ALGS) + list(EC_ALGS) + ["EdDSA"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_bytes(value, length=None):
    """Big-endian unsigned bytes: minimal (RSA n, e) or fixed width (EC coordinates, r and s)."""
    length = length or max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(length, "big")


def integral(value):
    """JSON numbers that are whole (1700000000.0 from Swift's Double) become integers again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


class RSAPool:
    """RSA-2048 keys made ahead of time on a background thread, so minting and rotating stay fast."""

    def __init__(self, size=3):
        self.size, self.keys, self.ready = size, [], threading.Condition()
        threading.Thread(target=self.fill, daemon=True).start()

    def fill(self):
        while True:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            with self.ready:
                while len(self.keys) >= self.size:
                    self.ready.wait()
                self.keys.append(key)
                self.ready.notify_all()

    def take(self):
        with self.ready:
            if self.keys:
                key = self.keys.pop()
                self.ready.notify_all()
                return key
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)


RSA_POOL = RSAPool()


def new_private_key(alg):
    if alg in RSA_ALGS:
        return RSA_POOL.take()
    if alg in EC_ALGS:
        return ec.generate_private_key(EC_ALGS[alg][0]())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise BadRequest(f"unsupported alg {alg!r}; supported: {', '.join(ALGS)}")


class SigningKey:
    """One private key, the JWS alg it signs with, and its kid."""

    def __init__(self, alg, kid):
        self.alg, self.kid, self.private = alg, kid, new_private_key(alg)

    def jwk(self):
        public = self.private.public_key()
        jwk = {"kid": self.kid, "alg": self.alg, "use": "sig"}
        if self.alg in RSA_ALGS:
            numbers = public.public_numbers()
            jwk.update(kty="RSA", n=b64url(uint_bytes(numbers.n)), e=b64url(uint_bytes(numbers.e)))
        elif self.alg in EC_ALGS:
            numbers, (_, _, size, crv) = public.public_numbers(), EC_ALGS[self.alg]
            jwk.update(kty="EC", crv=crv, x=b64url(uint_bytes(numbers.x, size)), y=b64url(uint_bytes(numbers.y, size)))
        else:
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            jwk.update(kty="OKP", crv="Ed25519", x=b64url(raw))
        return jwk

    def public_pem(self):
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        if self.alg == "PS256":
            return self.private.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH),
                                     hashes.SHA256())
        if self.alg in RSA_ALGS:
            return self.private.sign(data, padding.PKCS1v15(), RSA_ALGS[self.alg]())
        if self.alg in EC_ALGS:
            _, digest, size, _ = EC_ALGS[self.alg]
            # JWS wants the raw r || s (RFC 7518 §3.4), not the DER that OpenSSL returns.
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(digest())))
            return uint_bytes(r, size) + uint_bytes(s, size)
        return self.private.sign(data)


def compact_jws(header, claims, sign):
    """`sign` maps the signing input to the signature bytes."""
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode()))
    return signing_input + "." + b64url(sign(signing_input.encode("ascii")))


# --- State ------------------------------------------------------------------------------------

class BadRequest(Exception):
    """Answered as 400 with the message."""


# An issuer's name is its path: one or more segments ("github", "_services/token"), or ""
# for the issuer at the root (https://127.0.0.1:<port>, as a GitLab domain is).
ISSUER_NAME = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9._~-]*(/[A-Za-z0-9_][A-Za-z0-9._~-]*)*)?$")


class Issuer:
    """One issuer's keys: every published key in order, and the current key per alg."""

    def __init__(self, name):
        self.name, self.serial, self.published, self.current = name, 0, [], {}
        self.add_key("RS256")

    def add_key(self, alg):
        self.serial += 1
        key = SigningKey(alg, f"{self.name.replace('/', '-') or 'root'}-{self.serial}")
        self.published.append(key)
        self.current[alg] = key
        return key

    def current_key(self, alg):
        if alg not in ALGS:
            raise BadRequest(f"unsupported alg {alg!r}; supported: {', '.join(ALGS)}")
        return self.current.get(alg) or self.add_key(alg)

    def jwks(self):
        return {"keys": [key.jwk() for key in self.published]}


class State:
    """Everything the two listeners share; one lock around all of it."""

    def __init__(self):
        self.lock = threading.RLock()
        self.issuers = {}
        self.https_port = 0
        self.up = True
        self.max_age = 300
        self.unpublished = 0
        self.jwks_fetches = collections.Counter()
        self.discovery_fetches = collections.Counter()
        self.platform_requests = collections.deque(maxlen=50)
        self.platforms = {}
        self.reviewer_token = None
        self.reviews = {}
        self.slash_issuers = set()
        self.azure_vm = None
        self.arm = {}
        self.azure = None

    def issuer(self, name):
        if not isinstance(name, str) or not ISSUER_NAME.match(name):
            raise BadRequest(f"bad issuer name {name!r}")
        with self.lock:
            if name not in self.issuers:
                self.issuers[name] = Issuer(name)
            return self.issuers[name]

    def issuer_url(self, name):
        url = f"https://127.0.0.1:{self.https_port}" + (f"/{name}" if name else "")
        # Entra ID's issuers end with a slash (https://sts.windows.net/<tenant>/).
        return url + "/" if name in self.slash_issuers else url

    def mint(self, name, claims, alg="RS256", kid=..., key="current", defaults=None):
        """A compact JWS. `kid` is ... for the key's own kid, None to leave it out, or a string."""
        if not isinstance(claims, dict):
            raise BadRequest("claims must be a JSON object")
        if not isinstance(alg, str):
            raise BadRequest("alg must be a string")
        now = int(time.time())
        body = {"iss": self.issuer_url(name), "iat": now, "nbf": now, "exp": now + 300}
        body.update(defaults or {})
        body.update(integral(claims))
        body = {k: v for k, v in body.items() if v is not None}
        with self.lock:
            issuer = self.issuer(name)
            if key == "current":
                signer = issuer.current_key(alg)
                header, sign = {"alg": alg}, signer.sign
            elif key == "unpublished":
                self.unpublished += 1
                signer = SigningKey(alg, f"unpublished-{self.unpublished}")
                header, sign = {"alg": alg}, signer.sign
            elif key == "none":
                signer = issuer.current_key(alg)
                header, sign = {"alg": "none"}, (lambda _: b"")
            elif key == "hs256-public-key":
                # Key confusion: HMAC keyed with the RSA public key a verifier can read in the JWKS.
                signer = issuer.current_key(alg if alg in RSA_ALGS else "RS256")
                secret = signer.public_pem()
                header, sign = {"alg": "HS256"}, (lambda data: hmac.new(secret, data, hashlib.sha256).digest())
            else:
                raise BadRequest(f"unknown key {key!r}: current, unpublished, none or hs256-public-key")
        header["typ"] = "JWT"
        if kid is ...:
            header["kid"] = signer.kid
        elif kid is not None:
            if not isinstance(kid, str):
                raise BadRequest("kid must be a string or null")
            header["kid"] = kid
        return compact_jws(header, body, sign)

    def rotate(self, name, alg="RS256", retire_old=False):
        with self.lock:
            issuer = self.issuer(name)
            if alg not in ALGS:
                raise BadRequest(f"unsupported alg {alg!r}; supported: {', '.join(ALGS)}")
            old = issuer.current.get(alg)
            new = issuer.add_key(alg)
            if retire_old and old is not None:
                issuer.published.remove(old)
            return new.kid


STATE = State()


# --- HTTP -------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    """Shared plumbing: JSON replies, bodies, quiet logs."""

    protocol_version = "HTTP/1.1"
    server_version = "oidc-test-issuer"

    def log_message(self, format, *args):
        pass

    def log_error(self, format, *args):
        sys.stderr.write("oidc_issuer: " + (format % args) + "\n")

    def reply(self, code, payload, headers=None):
        body = (json.dumps(payload) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, message):
        self.reply(code, {"message": message})

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def json_body(self, raw):
        """The body as a JSON object; an empty body is {}."""
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"body is not JSON: {error}")
        if not isinstance(value, dict):
            raise BadRequest("body must be a JSON object")
        return value

    def dispatch(self, method):
        url = urlsplit(self.path)
        try:
            raw = self.read_body() if method in ("POST", "PUT") else b""
            self.route(method, url.path, parse_qs(url.query), raw)
        except BadRequest as error:
            self.error(400, str(error))
        except Exception as error:  # a bug here must not kill the server
            sys.stderr.write(f"oidc_issuer: {method} {url.path}: {type(error).__name__}: {error}\n")
            self.error(500, f"{type(error).__name__}: {error}")

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")


def bearer(headers, expected):
    """Whether Authorization carries `expected` as a bearer token (scheme case-insensitive)."""
    scheme, _, credential = (headers.get("Authorization") or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credential.strip().encode(), expected.encode())


def basic_password(headers, expected):
    """Whether Authorization is Basic with `expected` as the password (Azure DevOps takes a PAT so)."""
    scheme, _, credential = (headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        _, _, password = base64.b64decode(credential.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(password.encode(), expected.encode())


class HTTPSHandler(Handler):
    """What the code under test sees: discovery, JWKS and the CI platforms' token endpoints."""

    def route(self, method, path, query, raw):
        segments = path.strip("/").split("/")
        if segments[0] in ("_github", "_azure_devops", "apis", "version"):
            self.record(method, path, query, raw)
        if not STATE.up:
            return self.error(503, "the issuer is down (POST /admin/availability)")
        if segments[0] == "_github":
            return self.github(method, segments, query)
        if segments[0] == "_azure_devops":
            return self.azure_devops(method, segments, query, raw)
        if segments == ["apis", "authentication.k8s.io", "v1", "tokenreviews"]:
            return self.token_review(method, raw)
        if segments[0] == "subscriptions" and method == "GET":
            return self.azure_resource_manager(path)
        if segments == ["version"] and method == "GET":
            return self.reply(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.2"})
        if len(segments) >= 2 and segments[-2] == ".well-known" and method == "GET":
            name = "/".join(segments[:-2])
            if segments[-1] == "openid-configuration":
                return self.discovery(name)
            if segments[-1] == "jwks":
                return self.jwks(name)
        self.error(404, f"no such endpoint: {method} {path}")

    def azure_resource_manager(self, path):
        # Azure Resource Manager's GET of a virtual machine: a bearer token is required (ARM
        # checks it; here its presence), the answer carries properties.vmId.
        scheme, _, credential = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return self.reply(401, {"error": {"code": "AuthenticationFailed", "message": "no bearer token"}})
        with STATE.lock:
            vm_id = STATE.arm.get(path.lower())
        if vm_id is None:
            return self.reply(404, {"error": {"code": "ResourceNotFound", "message": f"{path} not found"}})
        self.reply(200, {"id": path, "name": path.rsplit("/", 1)[-1], "properties": {"vmId": vm_id}})

    def count(self, counter, name):
        STATE.issuer(name)  # made on first use, like every issuer
        with STATE.lock:
            counter[name] += 1

    def discovery(self, name):
        self.count(STATE.discovery_fetches, name)
        url = STATE.issuer_url(name)
        self.reply(200, {
            "issuer": url,
            "jwks_uri": f"{url.rstrip('/')}/.well-known/jwks",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ALGS,
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
        })

    def jwks(self, name):
        self.count(STATE.jwks_fetches, name)
        with STATE.lock:
            payload, max_age = STATE.issuer(name).jwks(), STATE.max_age
        self.reply(200, payload, {} if max_age is None else {"Cache-Control": f"max-age={max_age}"})

    def record(self, method, path, query, raw):
        with STATE.lock:
            STATE.platform_requests.append({
                "method": method,
                "path": path,
                "query": {name: values[0] for name, values in query.items()},
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": raw.decode("utf-8", errors="replace"),
            })

    def platform(self, name):
        with STATE.lock:
            config = STATE.platforms.get(name)
        if config is None:
            self.error(404, f"{name} is not configured (POST /admin/platform)")
        return config

    def github(self, method, segments, query):
        # GitHub Actions: the runner sets ACTIONS_ID_TOKEN_REQUEST_URL (already carrying
        # `?api-version=2.0`) and ACTIONS_ID_TOKEN_REQUEST_TOKEN. @actions/core getIDToken
        # appends `&audience=<percent-encoded>` when given one, sends a GET with
        # `Authorization: Bearer <request token>` and reads the JWT from the JSON field `value`.
        # Without an audience GitHub uses https://github.com/<repository_owner>.
        if segments != ["_github", "idtoken"]:
            return self.error(404, "no such endpoint")
        if method != "GET":
            return self.error(405, "the GitHub ID token endpoint takes GET")
        config = self.platform("github")
        if config is None:
            return
        if not bearer(self.headers, config["request_token"]):
            return self.error(401, "Bad credentials: a bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN is required")
        owner = config["claims"].get("repository_owner") or ""
        defaults = {"jti": str(uuid.uuid4()), "aud": f"https://github.com/{owner}"}
        claims = dict(config["claims"])
        if "audience" in query:
            claims["aud"] = query["audience"][0]
        token = STATE.mint(config["issuer"], claims, defaults=defaults)
        self.reply(200, {"count": len(token), "value": token})

    def azure_devops(self, method, segments, query, raw):
        # Azure Pipelines: SYSTEM_OIDCREQUESTURI is the job's
        # .../_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken, without a
        # query. Clients POST to it with `?api-version=7.1` (or 7.1-preview.1; the REST
        # reference requires api-version) and optionally `&serviceConnectionId=`, with
        # `Authorization: Bearer $SYSTEM_ACCESSTOKEN` (the REST API also takes a PAT as the
        # password of Basic auth) and a JSON body, possibly `{}` or empty. The answer is a
        # TaskHubOidcToken, {"oidcToken": "<jwt>"}, whose aud is api://AzureADTokenExchange.
        if segments != ["_azure_devops", "oidctoken"]:
            return self.error(404, "no such endpoint")
        if method != "POST":
            return self.error(405, "the Azure DevOps oidctoken endpoint takes POST")
        if "api-version" not in query:
            return self.error(400, "No api-version was supplied for the POST request.")
        self.json_body(raw)
        config = self.platform("azure_devops")
        if config is None:
            return
        if not (bearer(self.headers, config["request_token"]) or basic_password(self.headers, config["request_token"])):
            return self.error(401, "Unauthorized: a bearer SYSTEM_ACCESSTOKEN is required")
        defaults = {"jti": str(uuid.uuid4()), "aud": "api://AzureADTokenExchange"}
        token = STATE.mint(config["issuer"], config["claims"], defaults=defaults)
        self.reply(200, {"oidcToken": token})


    def token_review(self, method, raw):
        # The Kubernetes API server's TokenReview: POST with the reviewer's own bearer token and
        # {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": …,
        # "audiences": […]}}; the answer echoes the review with a status. A token the test did not
        # register is not authenticated, as the API server answers for an unknown token.
        if method != "POST":
            return self.error(405, "tokenreviews takes POST")
        body = self.json_body(raw)
        with STATE.lock:
            reviewer, reviews = STATE.reviewer_token, dict(STATE.reviews)
        if reviewer is None or not bearer(self.headers, reviewer):
            return self.error(401, "Unauthorized")
        if body.get("kind") != "TokenReview" or body.get("apiVersion") != "authentication.k8s.io/v1":
            return self.error(400, "expected an authentication.k8s.io/v1 TokenReview")
        spec = body.get("spec") or {}
        status = reviews.get(spec.get("token"))
        if status is None:
            status = {"authenticated": False, "error": "[invalid bearer token, token lookup failed]"}
        self.reply(201, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                         "metadata": {"creationTimestamp": None}, "spec": spec, "status": status})


class AdminHandler(Handler):
    """The test's control API, plain HTTP on 127.0.0.1."""

    def route(self, method, path, query, raw):
        if path == "/computeMetadata/v1/instance/service-accounts/default/identity":
            return self.gce_identity(method, query)
        if path == "/metadata/attested/document":
            return self.azure_attested_document(method, query)
        if path == "/metadata/identity/oauth2/token":
            return self.azure_token(method, query)
        routes = {
            ("POST", "/admin/tokenreview"): self.configure_review,
            ("POST", "/admin/mint"): self.mint,
            ("POST", "/admin/rotate"): self.rotate,
            ("POST", "/admin/availability"): self.availability,
            ("POST", "/admin/cache"): self.cache,
            ("POST", "/admin/platform"): self.configure_platform,
            ("POST", "/admin/azure/vm"): self.configure_azure_vm,
            ("POST", "/admin/azure/arm"): self.register_azure_vm,
            ("GET", "/admin/stats"): self.stats,
            ("GET", "/admin/jwks"): self.published_jwks,
        }
        handler = routes.get((method, path))
        if handler is None:
            return self.error(404, f"no such admin endpoint: {method} {path}")
        handler(self.json_body(raw) if method == "POST" else query)

    def mint(self, body):
        kid = body["kid"] if "kid" in body else ...
        token = STATE.mint(body.get("issuer"), body.get("claims", {}), alg=body.get("alg", "RS256"), kid=kid,
                           key=body.get("key", "current"))
        self.reply(200, {"token": token})

    def rotate(self, body):
        self.reply(200, {"kid": STATE.rotate(body.get("issuer"), body.get("alg", "RS256"), bool(body.get("retire_old")))})

    def availability(self, body):
        if not isinstance(body.get("up"), bool):
            raise BadRequest('availability wants {"up": true|false}')
        STATE.up = body["up"]
        self.reply(200, {"up": STATE.up})

    def cache(self, body):
        max_age = body.get("max_age")
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or max_age < 0):
            raise BadRequest('cache wants {"max_age": <seconds> | null}')
        STATE.max_age = None if max_age is None else int(max_age)
        self.reply(200, {"max_age": STATE.max_age})

    def configure_platform(self, body):
        platform, token = body.get("platform"), body.get("request_token")
        if platform not in ("github", "azure_devops", "gcp"):
            raise BadRequest("platform must be github, azure_devops or gcp")
        if not isinstance(token, str) or not isinstance(body.get("claims", {}), dict):
            raise BadRequest("platform wants issuer, claims (object) and request_token (string)")
        STATE.issuer(body.get("issuer"))
        with STATE.lock:
            STATE.platforms[platform] = {"issuer": body["issuer"], "claims": integral(body.get("claims", {})),
                                         "request_token": token}
        self.reply(200, {"platform": platform})

    def configure_review(self, body):
        # {"reviewer_token": the Auth server's own service-account token, "token": the joiner's,
        # "status": the TokenReview status to answer it with}.
        if not isinstance(body.get("reviewer_token"), str) or not isinstance(body.get("token"), str) \
                or not isinstance(body.get("status"), dict):
            raise BadRequest("tokenreview wants reviewer_token, token (strings) and status (object)")
        with STATE.lock:
            STATE.reviewer_token = body["reviewer_token"]
            STATE.reviews[body["token"]] = body["status"]
        self.reply(200, {"reviews": len(STATE.reviews)})

    def gce_identity(self, method, query):
        # The GCE metadata server (plain HTTP, like metadata.google.internal): GET with
        # `Metadata-Flavor: Google`, `audience=` and `format=full`; the answer is the JWT itself,
        # text/plain. With format=full the token carries google.compute_engine.*.
        self.record_metadata(method, query)
        if method != "GET":
            return self.error(405, "metadata takes GET")
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.error(403, "Missing required header: Metadata-Flavor")
        if "audience" not in query:
            return self.error(400, "non-empty audience parameter required")
        with STATE.lock:
            config = STATE.platforms.get("gcp")
        if config is None:
            return self.error(404, "gcp is not configured (POST /admin/platform)")
        claims = dict(config["claims"])
        if query.get("format", ["standard"])[0] != "full":
            claims.pop("google", None)
        # A configured aud wins over the one asked for: a test's way to have the "metadata
        # server" answer with a token minted for someone else.
        claims.setdefault("aud", query["audience"][0])
        token = STATE.mint(config["issuer"], claims, defaults={"azp": claims.get("sub", "")})
        body = token.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def configure_azure_vm(self, body):
        # The VM this IMDS answers for: {"vm_id", "subscription", "resource_group", "name",
        # "tenant"}, and the faults a test asks for: "replay_nonce" (sign this nonce, not the one
        # asked for), "signer" ("azure", "other-name": a certificate of the test CA not named
        # metadata.azure.com, "foreign": a CA nobody trusts), "token_resource_id" (the token
        # names another resource), "register" (false: ARM does not know the VM).
        for key in ("vm_id", "subscription", "resource_group", "name", "tenant"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise BadRequest(f"azure vm wants a non-empty {key}")
        vm = dict(body)
        vm["resource_id"] = (f"/subscriptions/{vm['subscription']}/resourceGroups/{vm['resource_group']}"
                             f"/providers/Microsoft.Compute/virtualMachines/{vm['name']}")
        with STATE.lock:
            STATE.slash_issuers.add(vm["tenant"])
            STATE.azure_vm = vm
            if vm.get("register", True):
                STATE.arm[vm["resource_id"].lower()] = vm["vm_id"]
        STATE.issuer(vm["tenant"])
        self.reply(200, {"resource_id": vm["resource_id"]})

    def register_azure_vm(self, body):
        if not isinstance(body.get("resource_id"), str) or not isinstance(body.get("vm_id"), str):
            raise BadRequest("azure arm wants resource_id and vm_id")
        with STATE.lock:
            STATE.arm[body["resource_id"].lower()] = body["vm_id"]
        self.reply(200, {})

    def azure_vm_or_error(self, method):
        self.record_metadata(method, parse_qs(urlsplit(self.path).query))
        if method != "GET":
            self.reply(405, {"error": "method not allowed"})
            return None
        if (self.headers.get("Metadata") or "").lower() != "true":
            self.reply(400, {"error": "Required metadata header not specified"})
            return None
        with STATE.lock:
            vm = STATE.azure_vm
        if vm is None:
            self.reply(404, {"error": "no VM configured (POST /admin/azure/vm)"})
        return vm

    def azure_attested_document(self, method, query):
        # IMDS's attested data: a PKCS#7 SignedData made by `openssl cms -sign` over the JSON
        # document, signed by a certificate for metadata.azure.com from the test CA.
        vm = self.azure_vm_or_error(method)
        if vm is None:
            return
        nonce = vm.get("replay_nonce") or query.get("nonce", [""])[0]
        now = datetime.datetime.now(datetime.timezone.utc)
        content = json.dumps({
            "licenseType": "", "nonce": nonce,
            "plan": {"name": "", "product": "", "publisher": ""},
            "timeStamp": {"createdOn": now.strftime("%m/%d/%y %H:%M:%S -0000"),
                          "expiresOn": (now + datetime.timedelta(hours=6)).strftime("%m/%d/%y %H:%M:%S -0000")},
            "vmId": vm["vm_id"], "subscriptionId": vm["subscription"], "sku": "",
        }).encode()
        signature = STATE.azure.sign(content, vm.get("signer", "azure"))
        self.reply(200, {"encoding": "pkcs7", "signature": base64.b64encode(signature).decode()})

    def azure_token(self, method, query):
        vm = self.azure_vm_or_error(method)
        if vm is None:
            return
        resource = query.get("resource", [""])[0]
        if not resource:
            return self.reply(400, {"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"})
        claims = {"aud": resource, "tid": vm["tenant"], "sub": vm["vm_id"] + "-principal",
                  "xms_mirid": vm.get("token_resource_id") or vm["resource_id"], "ver": "1.0", "appidacr": "2"}
        token = STATE.mint(vm["tenant"], claims, defaults={"exp": int(time.time()) + 3600})
        self.reply(200, {"access_token": token, "refresh_token": "", "expires_in": "3600",
                         "expires_on": str(int(time.time()) + 3600), "not_before": str(int(time.time())),
                         "resource": resource, "token_type": "Bearer"})

    def record_metadata(self, method, query):
        with STATE.lock:
            STATE.platform_requests.append({
                "method": method, "path": self.path.split("?")[0],
                "query": {name: values[0] for name, values in query.items()},
                "headers": {name.lower(): value for name, value in self.headers.items()}, "body": "",
            })

    def stats(self, query):
        with STATE.lock:
            payload = {"jwks": dict(STATE.jwks_fetches), "discovery": dict(STATE.discovery_fetches),
                       "platform_requests": list(STATE.platform_requests)}
        self.reply(200, payload)

    def published_jwks(self, query):
        if "issuer" not in query:
            raise BadRequest("GET /admin/jwks?issuer=NAME")
        with STATE.lock:
            self.reply(200, STATE.issuer(query["issuer"][0]).jwks())


class QuietServer(ThreadingHTTPServer):
    """Threads per connection; a client that drops the connection or fails TLS gets one line."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        sys.stderr.write(f"oidc_issuer: connection from {client_address[0]}: {type(error).__name__}: {error}\n")


# --- Certificates -----------------------------------------------------------------------------

def make_certificates(directory):
    """A CA (written to ca.pem) and a server certificate for 127.0.0.1 and localhost it signed."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Joinery test OIDC issuer CA")])
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server-key.pem")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(paths["server.pem"], "wb") as f:
        f.write(leaf.public_bytes(pem))
    with open(paths["server-key.pem"], "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths["server.pem"], paths["server-key.pem"]


class AzureSigning:
    """The test CA for attested data: a root and an intermediate (written, for the Auth
    server's attestation_certificates_dir, to DIR/azure-trust/), a leaf for metadata.azure.com,
    a leaf of the same CA with another name, and a foreign root and leaf nobody trusts. Signing
    shells out to `openssl cms -sign`, as AWS's documents are checked with openssl."""

    def __init__(self, directory):
        self.directory = os.path.join(directory, "azure")
        trust = os.path.join(directory, "azure-trust")
        os.makedirs(self.directory, exist_ok=True)
        os.makedirs(trust, exist_ok=True)
        root_key, root = self.ca("Joinery test Azure root", None, None)
        inter_key, inter = self.ca("Joinery test Azure issuing CA", root_key, root)
        foreign_key, foreign = self.ca("Someone else's root", None, None)
        self.signers = {
            "azure": self.leaf("metadata.azure.com", inter_key, inter),
            "other-name": self.leaf("metadata.example.com", inter_key, inter),
            "foreign": self.leaf("metadata.azure.com", foreign_key, foreign),
        }
        pem = serialization.Encoding.PEM
        with open(os.path.join(trust, "root.pem"), "wb") as f:
            f.write(root.public_bytes(pem))
        with open(os.path.join(trust, "issuing-ca.pem"), "wb") as f:
            f.write(inter.public_bytes(pem))

    @staticmethod
    def ca(name, issuer_key, issuer):
        now = datetime.datetime.now(datetime.timezone.utc)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        certificate = (x509.CertificateBuilder()
                       .subject_name(subject).issuer_name(issuer.subject if issuer else subject)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
                       .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                       .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                                    crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                       .sign(issuer_key or key, hashes.SHA256()))
        return key, certificate

    def leaf(self, name, issuer_key, issuer):
        now = datetime.datetime.now(datetime.timezone.utc)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = (x509.CertificateBuilder()
                       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                       .issuer_name(issuer.subject)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                                      critical=False)
                       .sign(issuer_key, hashes.SHA256()))
        prefix = os.path.join(self.directory, name.replace(".", "-") + "-" + uuid.uuid4().hex[:8])
        with open(prefix + ".pem", "wb") as f:
            f.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(prefix + ".key", "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        return prefix

    def sign(self, content, signer):
        if signer not in self.signers:
            raise BadRequest(f"unknown signer {signer!r}: azure, other-name or foreign")
        prefix = self.signers[signer]
        result = subprocess.run(
            ["openssl", "cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-md", "sha256", "-outform", "DER",
             "-signer", prefix + ".pem", "-inkey", prefix + ".key"],
            input=content, capture_output=True, check=False)
        if result.returncode != 0:
            raise RuntimeError("openssl cms -sign failed: " + result.stderr.decode(errors="replace"))
        return result.stdout


def main():
    parser = argparse.ArgumentParser(description="A real OIDC issuer on 127.0.0.1 for tests.")
    parser.add_argument("--dir", required=True, help="where ca.pem (and the server certificate) go")
    arguments = parser.parse_args()
    os.makedirs(arguments.dir, exist_ok=True)
    certificate, key = make_certificates(arguments.dir)
    STATE.azure = AzureSigning(arguments.dir)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    https = QuietServer(("127.0.0.1", 0), HTTPSHandler)
    # The handshake happens on the connection's own thread, at its first read, so a client that
    # connects and says nothing cannot stall the accept loop.
    https.socket = context.wrap_socket(https.socket, server_side=True, do_handshake_on_connect=False)
    STATE.https_port = https.server_address[1]
    admin = QuietServer(("127.0.0.1", 0), AdminHandler)

    threading.Thread(target=admin.serve_forever, daemon=True).start()
    print("admin", admin.server_address[1], flush=True)
    print("serving", STATE.https_port, flush=True)
    https.serve_forever()


if __name__ == "__main__":
    main()

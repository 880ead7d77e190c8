"""The platform side of LTI 1.3 for the tests: its own RSA key, a JWKS, a token URL and a score service on 127.0.0.1.

Scores posted to ``/lineitems/<n>/lineitem/scores`` are recorded with their
headers; ``down = True`` makes the token and score services answer 503 (a
platform in maintenance), ``stop()`` closes the port (a platform unreachable).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

CLIENT_ID = "cpd-tool-client"
DEPLOYMENT = "deployment-1"
ISSUER = "https://moodle.example.org"
C = "https://purl.imsglobal.org/spec/lti/claim/"


class FakePlatform:
    def __init__(self) -> None:
        self.key = generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.scores: list[dict[str, Any]] = []
        self.assertions: list[str] = []
        self.down = False
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(platform.key.public_key()))
                    self._send(200, {"keys": [{**jwk, "kid": platform.kid, "alg": "RS256", "use": "sig"}]})
                else:
                    self._send(404)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if platform.down:
                    return self._send(503, {"error": "maintenance"})
                if self.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    platform.assertions.append(form.get("client_assertion", ""))
                    return self._send(200, {"access_token": "at-" + uuid.uuid4().hex, "token_type": "Bearer",
                                            "expires_in": 3600, "scope": form.get("scope")})
                if self.path.startswith("/lineitems/") and "/scores" in self.path:
                    platform.scores.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                            "type": self.headers.get("Content-Type"), "score": json.loads(body)})
                    return self._send(204)
                return self._send(404)

        self._handler = Handler
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def id_token(self, nonce: str, *, key: Any = None, kid: str | None = None, extra: dict[str, Any] | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": "moodle-user-42", "iat": now, "exp": now + 300, "nonce": nonce,
            "name": "Zoë Ångström", "email": "Zoe@Example.org",
            C + "deployment_id": DEPLOYMENT, C + "version": "1.3.0", C + "message_type": "LtiResourceLinkRequest",
            C + "resource_link": {"id": "resource-link-7"}, C + "target_link_uri": "https://cpd.example.org/lti/launch",
            C + "custom": {"module": "mini", "profession": "Nurse"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"],
                "lineitem": f"{self.base}/lineitems/3/lineitem?type_id=12",
            },
        }
        claims.update(extra or {})
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

"""The emulator as an HTTP server: moto's WSGI apps behind a small ``/_emulator/`` control surface.

Glacier requests take a fast path to moto's Glacier app; every other service (STS, IAM, Organizations,
CloudFormation, Lambda, Step Functions, S3, ...) goes through moto's own multi-service dispatcher, so one
endpoint is a small multi-account AWS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from . import install
from .authorization import LEDGER
from .control import CONTROL
from .errors import GlacierError
from .lambda_runtime import RUNTIME

CONTROL_PREFIX = "/_emulator/"
_GLACIER_PATH = re.compile(r"^/[^/]+/(vaults|policies|provisioned-capacity)(/|$)")


class QuietRequestHandler(MotoRequestHandler):
    """No access log: a busy benchmark would otherwise spend its time writing to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def is_glacier_request(environ: dict[str, Any]) -> bool:
    """SigV4's credential scope names the service; an unsigned request is Glacier by its path."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if auth:
        return "/glacier/aws4_request" in auth
    return bool(_GLACIER_PATH.match(environ.get("PATH_INFO", "")))


class EmulatorApp:
    """Routes ``/_emulator/*`` to the control endpoints (no faults, no stats), Glacier to moto's Glacier
    app directly and the rest to moto's multi-service dispatcher.

    Glacier skips the dispatcher on purpose: it scans moto's package directory under a global lock on
    every request, which would cap the Glacier request rate the benchmarks measure.
    """

    def __init__(self) -> None:
        install()  # before create_backend_app, which reads moto's url_paths once
        self.glacier_app = create_backend_app("glacier")
        self.other_services = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            response = self.control(Request(environ))
            return response(environ, start_response)
        app = self.glacier_app if is_glacier_request(environ) else self.other_services
        result: Iterable[bytes] = app(environ, start_response)
        return result

    def control(self, request: Request) -> Response:
        route = (request.method, request.path[len(CONTROL_PREFIX) :].rstrip("/"))
        scope = {"account_id": request.args.get("account"), "region": request.args.get("region")}
        try:
            if route == ("GET", "stats"):
                return _json(CONTROL.stats(**scope))
            if route == ("GET", "aborts"):
                return _json(CONTROL.aborts(**scope))
            if route == ("GET", "lambda/invocations"):
                return _json(RUNTIME.invocations())
            if route == ("POST", "reset"):
                everything = bool(_body(request).get("all", False))
                CONTROL.reset(everything=everything)
                RUNTIME.reset()
                return _json({"reset": True, "all": everything})
            if route == ("GET", "iam"):
                return _json(LEDGER.to_dict())
            if route == ("POST", "iam"):
                body = _body(request)
                LEDGER.enforce = bool(body.get("enforce", LEDGER.enforce))
                LEDGER.check_users = bool(body.get("check_users", LEDGER.check_users))
                return _json(LEDGER.to_dict())
            if route == ("GET", "config"):
                return _json(CONTROL.faults.to_dict())
            if route == ("POST", "config"):
                return _json(CONTROL.configure(**_body(request)))
            if route == ("POST", "seed"):
                return _json({"upload_ids": CONTROL.seed(**_seed_args(_body(request)))})
        except (TypeError, ValueError, GlacierError) as error:
            return _json({"error": str(error)}, status=400)
        return _json({"error": f"no such endpoint: {request.method} {request.path}"}, status=404)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    data = json.loads(request.get_data(as_text=True) or "{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _seed_args(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    return {"vault": body.pop("vault"), "count": int(body.pop("count")), **body}


def make_emulator_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded server (one thread per request), so concurrent clients are served concurrently."""
    return make_server(host, port, EmulatorApp(), threaded=True, request_handler=QuietRequestHandler)

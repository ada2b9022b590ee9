"""The emulator as an HTTP server: moto's WSGI app behind a small ``/_emulator/`` control surface."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from . import install
from .control import CONTROL
from .errors import GlacierError

CONTROL_PREFIX = "/_emulator/"


class QuietRequestHandler(MotoRequestHandler):
    """No access log: a busy benchmark would otherwise spend its time writing to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class EmulatorApp:
    """Routes ``/_emulator/*`` to the control endpoints (no faults, no stats) and the rest to moto's
    Glacier app.

    moto's multi-service dispatcher is skipped on purpose: this server only speaks Glacier, and the
    dispatcher scans moto's package directory under a global lock on every request.
    """

    def __init__(self) -> None:
        install()  # before create_backend_app, which reads moto's url_paths once
        self.moto_app = create_backend_app("glacier")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            response = self.control(Request(environ))
            return response(environ, start_response)
        result: Iterable[bytes] = self.moto_app(environ, start_response)
        return result

    def control(self, request: Request) -> Response:
        route = (request.method, request.path[len(CONTROL_PREFIX) :].rstrip("/"))
        try:
            if route == ("GET", "stats"):
                return _json(CONTROL.stats())
            if route == ("GET", "aborts"):
                return _json(CONTROL.aborts())
            if route == ("POST", "reset"):
                CONTROL.reset()
                return _json({"reset": True})
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

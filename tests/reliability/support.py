"""Drill support: time helpers, a client-side call ledger, the emulator's ground truth,
and a loopback TCP proxy that can refuse connections on demand.

Nothing here asserts; the invariants live in invariants.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from support.handler_env import FakeLambdaContext

from glacier_emulator import CONTROL
from glacier_emulator.handles import EmulatorHandle

__all__ = ["FakeLambdaContext"]  # re-exported: the drills' context is the unit tests' one

# ----- time -------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """Glacier's CreationDate form: ISO-8601 UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ago(age: timedelta) -> str:
    return iso(datetime.now(UTC) - age)


def parse_date(raw: object) -> datetime | None:
    """The same reading as Glacier's documentation: ISO-8601, UTC when no offset is given."""
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


# ----- client-side ledger -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One Glacier API call of the function's client, after botocore's retries: its final outcome."""

    operation: str
    params: dict[str, Any]
    outcome: str  # "ok", an error code, or an exception class name
    items: tuple[dict[str, Any], ...] = ()  # UploadsList of an ok ListMultipartUploads page


@dataclass
class Ledger:
    """Every call the Lambda's own boto3 client made, recorded through botocore's event hooks."""

    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> Any:
        events = client.meta.events
        events.register("before-parameter-build.glacier.*", self._remember_params)
        events.register("after-call.glacier.*", self._after_call)
        events.register("after-call-error.glacier.*", self._after_error)
        return client

    @staticmethod
    def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["drill_params"] = dict(params)

    def _after_call(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        ok = http_response.status_code < 300
        outcome = "ok" if ok else str(parsed.get("Error", {}).get("Code") or http_response.status_code)
        items: tuple[dict[str, Any], ...] = ()
        if ok and model.name == "ListMultipartUploads":
            items = tuple(dict(item) for item in parsed.get("UploadsList", []))
        self._add(Call(model.name, context.get("drill_params", {}), outcome, items))

    def _after_error(self, exception: Exception, context: dict[str, Any], event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self._add(Call(operation, context.get("drill_params", {}), type(exception).__name__))

    def _add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        with self._lock:
            return list(self.calls[mark:])


# ----- what other clients do during a run (hooks) -------------------------------------------------------


@dataclass
class External:
    """Calls made by "other clients" from hooks, so the reconciliation can tell them from the function's."""

    aborted_ids: set[str] = field(default_factory=set)  # removed out of band or by another client's abort
    abort_calls_ok: int = 0
    list_calls_ok: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note_abort(self, upload_id: str, *, api_call: bool) -> None:
        with self._lock:
            self.aborted_ids.add(upload_id)
            if api_call:
                self.abort_calls_ok += 1

    def snapshot(self) -> tuple[int, int, frozenset[str]]:
        with self._lock:
            return self.abort_calls_ok, self.list_calls_ok, frozenset(self.aborted_ids)


# ----- ground truth -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    vault: str
    upload_id: str
    creation_date: str
    description: str | None


_FAULT_FREE = {
    "throttle_rate": 0.0,
    "error_rate": 0.0,
    "latency_ms": 0.0,
    "deny_vaults": [],
    "no_longer_supported": False,
}


def stored_uploads(handle: EmulatorHandle) -> list[Stored]:
    """Every in-progress upload the emulator holds, read without faults, hooks or stats side effects
    that a run could see (in-process: straight from CONTROL; server: faults paused while listing)."""
    if handle.mode == "in_process":
        found = []
        with CONTROL.state_lock:
            for name, vault in sorted(CONTROL.backend("-", handle.region).vaults.items()):
                uploads, _ = CONTROL.uploads_of(vault).page(0, 10**9)
                found += [Stored(name, u.upload_id, u.creation_date, u.description) for u in uploads]
        return found
    saved = handle.configure()
    handle.configure(**_FAULT_FREE)
    try:
        client = handle.client(retries={"total_max_attempts": 3, "mode": "standard"})
        found = []
        for vault_page in client.get_paginator("list_vaults").paginate():
            for vault in vault_page["VaultList"]:
                name = vault["VaultName"]
                for page in client.get_paginator("list_multipart_uploads").paginate(vaultName=name):
                    found += [
                        Stored(
                            name,
                            item["MultipartUploadId"],
                            item["CreationDate"],
                            item.get("ArchiveDescription"),
                        )
                        for item in page["UploadsList"]
                    ]
        return found
    finally:
        handle.configure(**{key: saved[key] for key in _FAULT_FREE})


def corrupt_creation_date(handle: EmulatorHandle, vault: str, upload_id: str, raw: str) -> None:
    """Test-only seam: store a CreationDate the emulator's API would refuse (it validates the header and
    the seed), by editing the stored upload in place. In-process only."""
    assert handle.mode == "in_process", "needs the in-process emulator"
    with CONTROL.state_lock:
        vault_obj = CONTROL.backend("-", handle.region).vaults[vault]
        CONTROL.uploads_of(vault_obj).get(upload_id).creation_date = raw


# ----- a loopback proxy that can refuse connections ---------------------------------------------------------


class FlakyProxy:
    """A TCP forwarder on 127.0.0.1 in front of the emulator server. `down()` closes the listening port and
    cuts every open connection (clients then get "connection refused"); `up()` reopens the same port;
    `up(silent=True)` reopens it as an endpoint that accepts every connection and never answers."""

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._silent = False
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self, *, silent: bool = False) -> None:
        self._silent = silent
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._stop = threading.Event()
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener, self._stop), daemon=True)
        self._thread.start()

    def down(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    close = down

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._silent:  # held open, never read from nor answered, until down()
                with self._lock:
                    self._conns.add(client)
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._conns.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def env_vars(monkeypatch: Any, **values: str | None) -> Iterator[None]:
    """Set (or with None, remove) environment variables for the block."""
    with monkeypatch.context() as patch:
        for name, value in values.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        yield

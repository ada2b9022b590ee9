"""One interface to the emulator, in-process (under ``mock_aws``) or as a server process.

Tests, demos and benchmarks use an ``EmulatorHandle``: its ``client()`` talks Glacier through boto3,
the other methods use the control surface (``CONTROL`` in-process, ``/_emulator/*`` over HTTP).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import boto3
from botocore.config import Config

from .authorization import LEDGER
from .client_helpers import initiate_with_creation_date
from .control import CONTROL, Hook
from .lambda_runtime import RUNTIME

if TYPE_CHECKING:
    from mypy_boto3_glacier import GlacierClient

DUMMY_KEY = "testing"
READY_PREFIX = "glacier emulator listening on "
REPO_ROOT = Path(__file__).resolve().parent.parent


class Credentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str | None


class EmulatorHandle:
    """The emulator as tests see it; the same methods in both modes."""

    mode: str = ""
    endpoint_url: str | None = None

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region

    def in_region(self, region: str) -> EmulatorHandle:
        """The same emulator, with `region` for clients and seeding (accounts and regions share it)."""
        other = copy.copy(self)
        other.region = region
        return other

    def client(self, credentials: Credentials | None = None, **botocore_config_kwargs: Any) -> GlacierClient:
        """A boto3 Glacier client, with dummy credentials (the default account) unless given others.

        Retries are off by default (one attempt) so fault tests see raw faults; pass ``retries=...``
        (or any other ``botocore.config.Config`` keyword) to change that.
        """
        botocore_config_kwargs.setdefault("retries", {"total_max_attempts": 1, "mode": "standard"})
        client: GlacierClient = self.aws_client("glacier", credentials, **botocore_config_kwargs)
        return client

    def aws_client(self, service: str, credentials: Credentials | None = None, **config: Any) -> Any:
        """A boto3 client of any service the emulator serves (STS, IAM, Organizations, ...)."""
        keys = credentials or Credentials(DUMMY_KEY, DUMMY_KEY, None)
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=config.pop("region_name", self.region),
            endpoint_url=self.endpoint_url,
            config=Config(**config),
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            aws_session_token=keys.session_token,
        )

    def assume_role(self, role_arn: str, credentials: Credentials | None = None) -> Credentials:
        """STS AssumeRole through the API (the trust policy is checked); raises ClientError if denied."""
        answer = self.aws_client("sts", credentials).assume_role(RoleArn=role_arn, RoleSessionName="emulator")
        keys = answer["Credentials"]
        return Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])

    def lambda_invocations(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def iam_ledger(self) -> dict[str, Any]:
        """What role sessions were allowed (with the statement that allowed it) and denied
        (glacier_emulator/authorization.py)."""
        raise NotImplementedError

    def set_iam_enforcement(self, enforce: bool) -> None:
        """Off: calls with a role's credentials are still checked and recorded, but never refused."""
        raise NotImplementedError

    def check_iam_users(self, check: bool = True) -> None:
        """Opt in: calls with an IAM user's keys are checked against the user's (and its groups') policies
        too. Keys that are neither a role's nor a user's (the tests' own) stay unrestricted."""
        raise NotImplementedError

    @contextmanager
    def iam_enforcement_paused(self) -> Iterator[None]:
        """Setting up a local account as AWS would have it (e.g. the role Organizations creates), with
        calls a role could not make itself."""
        self.set_iam_enforcement(False)
        try:
            yield
        finally:
            self.set_iam_enforcement(True)

    def create_vault(self, name: str) -> None:
        self.client().create_vault(vaultName=name)

    def initiate(
        self,
        vault: str,
        *,
        creation_date: str | datetime | None = None,
        description: str | None = None,
        part_size: int = 1048576,
    ) -> str:
        """InitiateMultipartUpload through the normal API (with the creation-date header)."""
        return initiate_with_creation_date(
            self.client(), vault, creation_date, description=description, part_size=part_size
        )

    def configure(self, **faults: Any) -> dict[str, Any]:
        raise NotImplementedError

    def set_clock(self, at: datetime) -> None:
        """Set the service's clock (answers' `Date`, new uploads' CreationDate) to `at`; time then runs on
        from there as the machine's does."""
        self.configure(clock_offset_seconds=(at - datetime.now(UTC)).total_seconds())

    def after_next_inventory(self) -> None:
        """Move the service's clock on past the inventory due after the vaults' latest writes (Glacier
        takes one about every 24 hours; the emulator `inventory_hours` after a write, a fault setting)."""
        settings = self.configure()
        hours = float(settings["inventory_hours"]) + 1 / 60
        self.configure(clock_offset_seconds=float(settings["clock_offset_seconds"]) + hours * 3600)

    def stats(self, account_id: str | None = None, region: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def aborts(self, account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def reset(self, everything: bool = False) -> None:
        raise NotImplementedError

    def seed(
        self,
        vault: str,
        count: int,
        *,
        creation_date: str | datetime,
        archive_description: str | None = None,
        part_size: int = 1048576,
        account_id: str = "-",
        parts: int = 0,
    ) -> list[str]:
        raise NotImplementedError

    def add_hook(self, hook: Hook) -> None:
        raise NotImplementedError(f"hooks need the in-process emulator, not {self.mode}")

    def clear_hooks(self) -> None:
        raise NotImplementedError(f"hooks need the in-process emulator, not {self.mode}")

    def expire_upload(self, vault: str, upload_id: str, account_id: str = "-") -> bool:
        raise NotImplementedError(f"expire_upload needs the in-process emulator, not {self.mode}")


class InProcessHandle(EmulatorHandle):
    """The emulator inside this process; only valid while ``mock_aws()`` is active."""

    mode = "in_process"

    def iam_ledger(self) -> dict[str, Any]:
        return LEDGER.to_dict()

    def set_iam_enforcement(self, enforce: bool) -> None:
        LEDGER.enforce = enforce

    def check_iam_users(self, check: bool = True) -> None:
        LEDGER.check_users = check

    def configure(self, **faults: Any) -> dict[str, Any]:
        return CONTROL.configure(**faults)

    def stats(self, account_id: str | None = None, region: str | None = None) -> dict[str, Any]:
        return CONTROL.stats(account_id, region)

    def aborts(self, account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        return CONTROL.aborts(account_id, region)

    def reset(self, everything: bool = False) -> None:
        CONTROL.reset(everything=everything)
        RUNTIME.reset()

    def lambda_invocations(self) -> list[dict[str, Any]]:
        return RUNTIME.invocations()

    def seed(
        self,
        vault: str,
        count: int,
        *,
        creation_date: str | datetime,
        archive_description: str | None = None,
        part_size: int = 1048576,
        account_id: str = "-",
        parts: int = 0,
    ) -> list[str]:
        return CONTROL.seed(
            vault,
            count,
            creation_date=creation_date,
            archive_description=archive_description,
            part_size=part_size,
            account_id=account_id,
            region=self.region,
            parts=parts,
        )

    def add_hook(self, hook: Hook) -> None:
        CONTROL.add_hook(hook)

    def clear_hooks(self) -> None:
        CONTROL.clear_hooks()

    def expire_upload(self, vault: str, upload_id: str, account_id: str = "-") -> bool:
        return CONTROL.expire_upload(account_id, self.region, vault, upload_id)


def _scope(account_id: str | None, region: str | None) -> str:
    query = {key: value for key, value in (("account", account_id), ("region", region)) if value}
    return "?" + urllib.parse.urlencode(query) if query else ""


# Loopback only: never route the control calls through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerHandle(EmulatorHandle):
    """An emulator server at ``endpoint_url``; control calls go to its ``/_emulator/`` endpoints."""

    mode = "server"

    def __init__(self, endpoint_url: str, region: str = "us-east-1") -> None:
        super().__init__(region)
        self.endpoint_url = endpoint_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        url = f"{self.endpoint_url}/_emulator/{path}"
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) endpoint
        request.add_header("content-type", "application/json")
        with _OPENER.open(request, timeout=60) as response:
            return json.loads(response.read())

    def configure(self, **faults: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "config", faults)
        return result

    def stats(self, account_id: str | None = None, region: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "stats" + _scope(account_id, region))
        return result

    def aborts(self, account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "aborts" + _scope(account_id, region))
        return result

    def reset(self, everything: bool = False) -> None:
        self._call("POST", "reset", {"all": everything})

    def iam_ledger(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "iam")
        return result

    def set_iam_enforcement(self, enforce: bool) -> None:
        self._call("POST", "iam", {"enforce": enforce})

    def check_iam_users(self, check: bool = True) -> None:
        self._call("POST", "iam", {"check_users": check})

    def lambda_invocations(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "lambda/invocations")
        return result

    def seed(
        self,
        vault: str,
        count: int,
        *,
        creation_date: str | datetime,
        archive_description: str | None = None,
        part_size: int = 1048576,
        account_id: str = "-",
        parts: int = 0,
    ) -> list[str]:
        body = {
            "vault": vault,
            "count": count,
            "creation_date": creation_date.isoformat()
            if isinstance(creation_date, datetime)
            else creation_date,
            "archive_description": archive_description,
            "part_size": part_size,
            "account_id": account_id,
            "region": self.region,
            "parts": parts,
        }
        upload_ids: list[str] = self._call("POST", "seed", body)["upload_ids"]
        return upload_ids


class ServerProcess:
    """``python -m glacier_emulator`` as a child process; ``url`` is known once it printed its ready line."""

    def __init__(self, *options: str, port: int = 0, log_path: str | os.PathLike[str] | None = None) -> None:
        self._log: IO[bytes] | None = open(log_path, "wb") if log_path else None  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-m", "glacier_emulator", "--port", str(port), *options],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log if self._log else subprocess.DEVNULL,
            text=True,
        )
        self.ready_line = self._wait_ready(timeout=30)
        self.url = self.ready_line[len(READY_PREFIX) :].strip()

    def _wait_ready(self, timeout: float) -> str:
        assert self.process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not line or not line[0].startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError(f"glacier emulator did not start: {line[0] if line else 'timeout'}")
        return line[0]

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, wait, and return the exit code (killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._log is not None:
            self._log.close()
        return self.process.returncode

    def handle(self, region: str = "us-east-1") -> ServerHandle:
        return ServerHandle(self.url, region)

"""Process-wide emulator state: faults, stats, abort log, race-drill hooks and the upload store.

One ``EmulatorControl`` (``glacier_emulator.CONTROL``) serves in-process use and the server alike.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.base_backend import BackendDict
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.glacier.models import GlacierBackend, Vault, glacier_backends

from .authorization import LEDGER
from .errors import (
    GlacierError,
    access_denied,
    invalid_parameter,
    no_longer_supported,
    region_not_enabled,
    service_unavailable,
    throttled,
    vault_not_found,
)
from .ratelimit import RateLimiter
from .store import MAX_PARTS, Upload, VaultUploads, format_timestamp, parse_timestamp, validate_part_size
from .vault_state import VaultState

Hook = Callable[[str, str | None, dict[str, Any]], None]


@dataclasses.dataclass(frozen=True)
class Faults:
    """Fault and behaviour settings; the keys of ``configure()`` and ``POST /_emulator/config``."""

    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    seed: int | None = None
    deny_vaults: tuple[str, ...] = ()
    no_longer_supported: bool = False
    abort_grace_seconds: float = 60.0
    # Account-scoped faults: every Glacier call of these accounts is denied / answers NoLongerSupported.
    deny_accounts: tuple[str, ...] = ()
    no_longer_supported_accounts: tuple[str, ...] = ()
    # Opt-in regions the accounts have not enabled: AWS rejects the credentials there.
    disabled_regions: tuple[str, ...] = ()
    # Token bucket per account and region: refilled at rate_limit per second, holding at most rate_burst
    # (default rate_limit) tokens. 0 switches it off.
    rate_limit: float = 0.0
    rate_burst: float | None = None
    # New uploads are dated this many hours in the past, as if started that long ago: an unmodified
    # third-party uploader (which cannot send x-emulator-creation-date) then writes an upload the cleanup
    # considers old. 0: dated now, as Glacier does.
    upload_age_hours: float = 0.0
    # The service's clock against the machine's, in seconds (negative: behind): every answer's `Date`
    # header and every new upload's CreationDate follow it, so that drills can run "a week later" on the
    # service's own clock, as the cleanup's looks read it.
    clock_offset_seconds: float = 0.0
    # Hours from a vault's first write not yet in its inventory to the inventory that includes it
    # (vault_state.py): Glacier's cadence is about 24. 0: at once.
    inventory_hours: float = 24.0

    def validated(self) -> Faults:
        if min(self.latency_ms, self.abort_grace_seconds, self.upload_age_hours, self.inventory_hours) < 0:
            raise ValueError(
                "latency_ms, abort_grace_seconds, upload_age_hours and inventory_hours must be >= 0"
            )
        if self.rate_limit < 0 or (self.rate_burst is not None and self.rate_burst < 1):
            raise ValueError("rate_limit must be >= 0 and rate_burst >= 1")
        if not (0 <= self.throttle_rate <= 1 and 0 <= self.error_rate <= 1):
            raise ValueError("throttle_rate and error_rate must be between 0 and 1")
        if self.throttle_rate + self.error_rate > 1:
            raise ValueError("throttle_rate + error_rate must not exceed 1")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in _NAME_LISTS:
            data[key] = list(data[key])
        return data

    @property
    def burst(self) -> float:
        return self.rate_limit if self.rate_burst is None else self.rate_burst


FAULT_KEYS = frozenset(field.name for field in dataclasses.fields(Faults))
_NAME_LISTS = ("deny_vaults", "deny_accounts", "no_longer_supported_accounts", "disabled_regions")


def _coerce(key: str, value: Any) -> Any:
    if key in _NAME_LISTS:
        if isinstance(value, str):
            return (value,)
        return tuple(str(name) for name in value or ())
    if key in {"seed", "rate_burst"}:
        return None if value is None else (int(value) if key == "seed" else float(value))
    if key == "no_longer_supported":
        if not isinstance(value, bool):
            raise ValueError("no_longer_supported must be a boolean")
        return value
    return float(value)


def _fault_rng(seed: int | None) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible fault injection, not cryptography


def resolve_account(account_id: str) -> str:
    return DEFAULT_ACCOUNT_ID if account_id == "-" else account_id


class EmulatorControl:
    """Configures faults, counts requests, logs aborts and owns the multipart-upload state."""

    def __init__(self) -> None:
        # Guards Glacier state (moto's vaults and the uploads). Reentrant so hooks and control calls nest.
        self.state_lock = threading.RLock()
        self._meta_lock = threading.Lock()
        self._startup = Faults()
        self._faults = self._startup
        self._rng = _fault_rng(self._startup.seed)
        # (account, region) -> operation -> outcome -> count
        self._stats: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        # Every Glacier request ever served, across resets: GlacierCallClock's time (lambda_runtime).
        self._served = 0
        # (account, region, vault, upload_id, creation_date, aborted_at epoch, description).
        self._aborts: list[tuple[str, str, str, str, str, float, str | None]] = []
        self._limiter = RateLimiter()
        self._vault_states: weakref.WeakKeyDictionary[Vault, VaultState] = weakref.WeakKeyDictionary()
        self._hooks: list[Hook] = []
        self._in_hook = threading.local()
        # Keyed by moto's Vault object, so deleting or resetting a vault drops its uploads with it.
        self._uploads: weakref.WeakKeyDictionary[Vault, VaultUploads] = weakref.WeakKeyDictionary()

    # ----- configuration -------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        return self._faults

    def configure(self, **faults: Any) -> dict[str, Any]:
        """Change fault settings at run time; only the given keys change. Returns the settings."""
        unknown = set(faults) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        changes = {key: _coerce(key, value) for key, value in faults.items()}
        with self._meta_lock:
            self._faults = dataclasses.replace(self._faults, **changes).validated()
            if "seed" in changes:
                self._rng = _fault_rng(self._faults.seed)
            if {"rate_limit", "rate_burst"} & set(changes):
                self._limiter.configure(self._faults.rate_limit, self._faults.burst)
            return self._faults.to_dict()

    def set_startup(self, **faults: Any) -> None:
        """The settings ``reset()`` restores (the server's command-line options)."""
        self.configure(**faults)
        with self._meta_lock:
            self._startup = self._faults

    def reset(self, everything: bool = False) -> None:
        """Clear all Glacier state, stats, the abort log and hooks; restore the start-up settings.

        ``everything`` also resets every other moto service (STS, IAM, Organizations, ...).
        """
        with self.state_lock:
            if everything:
                BackendDict.reset()
            for account_backends in list(glacier_backends.values()):
                account_backends.reset()
            self._uploads = weakref.WeakKeyDictionary()
            self._vault_states = weakref.WeakKeyDictionary()
        with self._meta_lock:
            self._faults = self._startup
            self._rng = _fault_rng(self._startup.seed)
            self._limiter.configure(self._startup.rate_limit, self._startup.burst)
            self._stats = {}
            self._aborts = []
            self._hooks = []
        LEDGER.reset()

    def now(self) -> datetime:
        """The service's time: the machine's, moved by ``clock_offset_seconds``."""
        return datetime.now(UTC) + timedelta(seconds=self._faults.clock_offset_seconds)

    # ----- observation ---------------------------------------------------------------------------
    def stats(self, account_id: str | None = None, region: str | None = None) -> dict[str, Any]:
        """Requests per operation and outcome: of every account and region, or of one account (and
        region). ``by_account`` splits the same counts by account and region."""
        account = None if account_id is None else resolve_account(account_id)
        with self._meta_lock:
            scoped = [
                (key, ops)
                for key, ops in self._stats.items()
                if (account is None or key[0] == account) and (region is None or key[1] == region)
            ]
            operations: dict[str, dict[str, int]] = {}
            by_account: dict[str, dict[str, dict[str, Any]]] = {}
            for (acct, reg), ops in scoped:
                for op, counts in ops.items():
                    merged = operations.setdefault(op, {})
                    for outcome, count in counts.items():
                        merged[outcome] = merged.get(outcome, 0) + count
                by_account.setdefault(acct, {})[reg] = {
                    "total": sum(counts["total"] for counts in ops.values()),
                    "operations": {op: dict(counts) for op, counts in ops.items()},
                }
        return {
            "total": sum(counts["total"] for counts in operations.values()),
            "operations": operations,
            "by_account": by_account,
        }

    def aborts(self, account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        account = None if account_id is None else resolve_account(account_id)
        with self._meta_lock:
            records = [
                record
                for record in self._aborts
                if (account is None or record[0] == account) and (region is None or record[1] == region)
            ]
        result = []
        for acct, reg, vault, upload_id, creation_date, aborted_at, description in records:
            aborted = datetime.fromtimestamp(aborted_at, UTC)
            result.append(
                {
                    "account": acct,
                    "region": reg,
                    "vault": vault,
                    "upload_id": upload_id,
                    "creation_date": creation_date,
                    "aborted_at": format_timestamp(aborted),
                    "age_seconds": round((aborted - parse_timestamp(creation_date)).total_seconds(), 3),
                    "archive_description": description,
                }
            )
        return result

    def requests_served(self) -> int:
        """Glacier requests served since the process started; unlike ``stats()``, never reset."""
        return self._served

    def record(
        self, operation: str, outcome: str, account: str = DEFAULT_ACCOUNT_ID, region: str = ""
    ) -> None:
        with self._meta_lock:
            self._served += 1
            ops = self._stats.setdefault((account, region), {})
            counts = ops.setdefault(operation, {"total": 0, "ok": 0})
            counts["total"] += 1
            counts[outcome] = counts.get(outcome, 0) + 1

    def log_abort(self, account: str, region: str, vault: str, upload: Upload) -> None:
        with self._meta_lock:
            self._aborts.append(
                (
                    account,
                    region,
                    vault,
                    upload.upload_id,
                    upload.creation_date,
                    time.time(),
                    upload.description,
                )
            )

    # ----- faults and hooks ----------------------------------------------------------------------
    def apply_faults(
        self, operation: str, vault_name: str | None, account: str = DEFAULT_ACCOUNT_ID, region: str = ""
    ) -> None:
        """Hold the configured latency, then raise the injected fault for this request, if any.

        Order: latency, a disabled region, the rate limit, NoLongerSupported, AccessDenied, then one RNG
        draw for the coin-flip Throttling/ServiceUnavailable faults.
        """
        faults = self._faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if region in faults.disabled_regions:
            raise region_not_enabled()
        if not self._limiter.allow(account, region):
            raise throttled()
        if faults.no_longer_supported or account in faults.no_longer_supported_accounts:
            raise no_longer_supported()
        if account in faults.deny_accounts:
            raise access_denied(f"User is not authorized to perform glacier:{operation} in account {account}")
        if vault_name is not None and vault_name in faults.deny_vaults:
            raise access_denied(
                f"User is not authorized to perform glacier:{operation} on vault {vault_name}"
            )
        if faults.throttle_rate or faults.error_rate:
            with self._meta_lock:
                draw = self._rng.random()
            if draw < faults.throttle_rate:
                raise throttled()
            if draw < faults.throttle_rate + faults.error_rate:
                raise service_unavailable()

    def add_hook(self, hook: Hook) -> None:
        """``hook(operation, vault_name_or_None, params)`` runs before each operation executes.

        It may change state out of band (``expire_upload``, ``delete_vault``) or raise ``GlacierError``
        to fail the request. Requests made from inside a hook do not run hooks again.
        """
        with self._meta_lock:
            # Copy on write: requests iterate the list without the lock.
            self._hooks = [*self._hooks, hook]

    def clear_hooks(self) -> None:
        with self._meta_lock:
            self._hooks = []

    def run_hooks(self, operation: str, vault_name: str | None, params: dict[str, Any]) -> None:
        hooks = self._hooks
        if not hooks or getattr(self._in_hook, "active", False):
            return
        self._in_hook.active = True
        try:
            for hook in hooks:
                hook(operation, vault_name, params)
        finally:
            self._in_hook.active = False

    # ----- state ---------------------------------------------------------------------------------
    def backend(self, account_id: str, region: str) -> GlacierBackend:
        backend: GlacierBackend = glacier_backends[resolve_account(account_id)][region]
        return backend

    def vault_state(self, vault: Vault) -> VaultState:
        """The vault's inventory (as of the service's clock now), last write, policy, lock, notifications."""
        state = self._vault_states.get(vault)
        if state is None:
            state = self._vault_states[vault] = VaultState()
        state.refresh(vault, self.now(), self._faults.inventory_hours)
        return state

    def wrote(self, vault: Vault) -> None:
        """A write to the vault (an archive added or deleted, a part uploaded): the next inventory is due."""
        self.vault_state(vault).wrote(vault, self.now(), self._faults.inventory_hours)

    def uploads_of(self, vault: Vault) -> VaultUploads:
        uploads = self._uploads.get(vault)
        if uploads is None:
            uploads = self._uploads[vault] = VaultUploads()
        return uploads

    def vault(self, backend: GlacierBackend, vault_name: str) -> Vault:
        vault = backend.vaults.get(vault_name)
        if vault is None:
            arn = f"arn:aws:glacier:{backend.region_name}:{backend.account_id}:vaults/{vault_name}"
            raise vault_not_found(arn)
        return vault

    def seed(
        self,
        vault: str,
        count: int,
        *,
        creation_date: str | datetime,
        archive_description: str | None = None,
        part_size: int = 1048576,
        account_id: str = "-",
        region: str = "us-east-1",
        parts: int = 0,
    ) -> list[str]:
        """Bulk-create in-progress uploads (creating the vault if missing), each holding `parts` full parts
        (at most Glacier's 10,000); no faults, no stats."""
        if count < 0:
            raise invalid_parameter("count must be >= 0")
        if not 0 <= parts <= MAX_PARTS:
            raise invalid_parameter(f"parts must be 0-{MAX_PARTS}")
        validate_part_size(part_size)
        created = format_timestamp(parse_timestamp(creation_date))
        with self.state_lock:
            backend = self.backend(account_id, region)
            if vault not in backend.vaults:
                backend.create_vault(vault)
            return self.uploads_of(backend.vaults[vault]).add_many(
                count, created, archive_description, part_size, parts
            )

    def expire_upload(self, account_id: str, region: str, vault: str, upload_id: str) -> bool:
        """Remove an upload without a grace window, as Glacier's 24-hour expiry would."""
        with self.state_lock:
            found = self.backend(account_id, region).vaults.get(vault)
            return found is not None and self.uploads_of(found).remove(upload_id) is not None

    def delete_vault(self, account_id: str, region: str, vault: str) -> bool:
        """Delete a vault out of band (with its uploads), e.g. from a race-drill hook."""
        with self.state_lock:
            return self.backend(account_id, region).vaults.pop(vault, None) is not None


CONTROL = EmulatorControl()

__all__ = ["CONTROL", "FAULT_KEYS", "EmulatorControl", "Faults", "GlacierError", "Hook"]

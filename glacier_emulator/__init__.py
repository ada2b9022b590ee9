"""A local Amazon Glacier: moto, extended from outside with the multipart-upload API.

Call ``install()`` once before use (idempotent); ``CONTROL`` configures faults, reads stats and the
abort log and resets state. The HTTP server: ``python -m glacier_emulator --port PORT``.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.glacier import urls

from .authorization import LEDGER, install_authorization
from .control import CONTROL, FAULT_KEYS, EmulatorControl, Faults
from .errors import GlacierError
from .lambda_runtime import RUNTIME, install_lambda
from .responses import EmulatorGlacierResponse
from .stepfunctions import install as install_result_writer
from .trust import install_sts

# The Glacier routes moto lacks (multipart uploads; a vault's access policy, lock and notifications). Same
# shape as moto's own patterns in moto.glacier.urls.
MULTIPART_URL_PATHS = (
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/multipart-uploads$",
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/multipart-uploads/(?P<upload_id>[^/]+)$",
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/access-policy$",
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/lock-policy$",
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/lock-policy/(?P<lock_id>[^/]+)$",
    "{0}/(?P<account_number>[^/]+)/vaults/(?P<vault_name>[^/]+)/notification-configuration$",
)
_install_lock = threading.Lock()


def install() -> None:
    """Extend moto from outside: every Glacier URL (moto's and the multipart ones) to the extended
    response class, STS AssumeRole checked against trust policies, every call with a role's credentials
    checked against the role's identity policies (authorization.py), Lambda run in-process, Step Functions'
    ResultWriter writing the result files (stepfunctions.py).

    moto reads ``url_paths`` per request under ``mock_aws()`` and once when its server first routes a
    request of that service, so this must run before the server's first request.
    """
    with _install_lock:
        handler: Any = EmulatorGlacierResponse.dispatch
        for pattern in (*urls.url_paths, *MULTIPART_URL_PATHS):
            urls.url_paths[pattern] = handler
        install_sts()
        install_authorization()
        install_lambda()
        install_result_writer()


__all__ = [
    "CONTROL",
    "FAULT_KEYS",
    "LEDGER",
    "RUNTIME",
    "EmulatorControl",
    "Faults",
    "GlacierError",
    "install",
]

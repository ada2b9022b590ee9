"""``python -m glacier_emulator --port PORT``: run the emulator as an HTTP server.

Prints one line with its URL when ready and exits 0 on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any

from .control import CONTROL
from .lambda_runtime import RUNTIME
from .server import make_emulator_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m glacier_emulator", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="hold every Glacier request N ms")
    parser.add_argument(
        "--throttle-rate", type=float, default=0.0, help="fraction answered 400 ThrottlingException"
    )
    parser.add_argument(
        "--error-rate", type=float, default=0.0, help="fraction answered 500 ServiceUnavailableException"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault RNG (deterministic)")
    parser.add_argument(
        "--deny-vault",
        action="append",
        default=[],
        metavar="NAME",
        help="403 AccessDeniedException for requests on this vault (repeatable)",
    )
    parser.add_argument(
        "--no-longer-supported", action="store_true", help="every call answers NoLongerSupportedException"
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        metavar="RPS",
        help="token bucket per account and region: RPS requests per second (0: no limit)",
    )
    parser.add_argument(
        "--rate-burst", type=float, default=None, metavar="N", help="bucket capacity (default: RPS)"
    )
    parser.add_argument(
        "--abort-grace-seconds",
        type=float,
        default=60.0,
        help="how long a repeat abort of an aborted upload still succeeds",
    )
    parser.add_argument(
        "--inventory-hours",
        type=float,
        default=24.0,
        help="hours from a vault's write to the inventory that includes it (Glacier: about 24; 0: at once)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        CONTROL.set_startup(
            latency_ms=args.latency_ms,
            throttle_rate=args.throttle_rate,
            error_rate=args.error_rate,
            seed=args.seed,
            deny_vaults=args.deny_vault,
            no_longer_supported=args.no_longer_supported,
            abort_grace_seconds=args.abort_grace_seconds,
            rate_limit=args.rate_limit,
            rate_burst=args.rate_burst,
            inventory_hours=args.inventory_hours,
        )
    except ValueError as error:
        sys.exit(f"glacier emulator: {error}")
    server = make_emulator_server(args.host, args.port)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # serve_forever runs in a thread: shutdown() from the main thread would deadlock inside it.
    serving = threading.Thread(target=server.serve_forever, name="glacier-emulator", daemon=True)
    serving.start()
    url = f"http://{args.host}:{server.server_port}"
    # Handlers run in-process (Lambda without Docker) call this server; moto's Step Functions
    # interpreter reaches Lambda at localhost:$MOTO_PORT.
    RUNTIME.endpoint_url = url
    os.environ["MOTO_PORT"] = str(server.server_port)
    print(f"glacier emulator listening on {url}", flush=True)  # noqa: T201
    # Nobody reads stdout after the ready line: what in-process handlers print (logs, EMF) goes to stderr,
    # so a full pipe can never block the server.
    sys.stdout = sys.stderr
    stop.wait()
    server.shutdown()
    server.server_close()
    serving.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())

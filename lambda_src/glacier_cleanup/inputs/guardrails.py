"""What an on-demand event may change: by default only what makes a run safer or smaller.

Whoever may invoke the function (a console user, a script, another account's target event sent straight
to the hub) must not be able to switch off what the deployment's config chose. An event may ask for a dry
run, fewer vaults, a lower cap, a longer age or idle time; it may not turn a dry-run deployment into real
aborts, switch off the activity check, shorten the age or the idle time, raise the cap or name vaults the
deployment does not clean. The config's `on_demand_may_loosen: true` (CLEANUP_EVENT_MAY_LOOSEN) allows that.
Checked before any call: a refused event does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier_cleanup.inputs.events import InvalidEventError, OnDemandRequest

if TYPE_CHECKING:
    from glacier_cleanup.inputs.settings import Settings

SWITCH = "on_demand_may_loosen (CLEANUP_EVENT_MAY_LOOSEN)"


def loosened(settings: Settings, request: OnDemandRequest) -> list[str]:
    """Each key of `request` that would loosen `settings`, with what it may be here."""
    problems = []
    if request.dry_run is False and settings.dry_run:
        problems.append("dry_run: false would abort on a dry-run deployment (allowed here: true)")
    if request.activity_check is False and settings.activity_check:
        problems.append("activity_check: false would judge by age alone (allowed here: true)")
    if request.older_than_hours is not None and request.older_than_hours < settings.older_than_hours:
        problems.append(
            f"older_than_hours: {request.older_than_hours:g} is shorter than this deployment's "
            f"{settings.older_than_hours:g} (allowed here: >= {settings.older_than_hours:g})"
        )
    if request.idle_hours is not None and request.idle_hours < settings.idle_hours:
        problems.append(
            f"idle_hours: {request.idle_hours:g} is shorter than this deployment's {settings.idle_hours:g} "
            f"(allowed here: >= {settings.idle_hours:g})"
        )
    cap = settings.max_aborts
    if request.max_aborts is not None and cap is not None and request.max_aborts > cap:
        problems.append(
            f"max_aborts: {request.max_aborts} is above this deployment's {cap} (allowed here: <= {cap})"
        )
    if request.vaults is not None and settings.vaults:
        outside = sorted(set(request.vaults) - set(settings.vaults))
        if outside:
            problems.append(
                f"vaults: {', '.join(outside)} not among this deployment's vaults "
                f"(allowed here: {', '.join(settings.vaults)})"
            )
    return problems


def refuse_loosening(settings: Settings, request: OnDemandRequest) -> None:
    """Raise InvalidEventError naming every loosening key, unless the deployment allows loosening."""
    if settings.event_may_loosen:
        return
    problems = loosened(settings, request)
    if problems:
        raise InvalidEventError(
            "event refused: it may only make this run safer or smaller; "
            + "; ".join(problems)
            + f" (the config's {SWITCH} lets events loosen these)"
        )

"""Every call made with a role's credentials is authorized against that role's identity policies.

moto has an IAM access check of its own (``INITIAL_NO_AUTH_ACTION_COUNT``), but it is all or nothing (every
caller, test credentials included, must be an IAM user or role) and checks most services' actions against the
resource ``*``, so a policy scoped to a vault or a table could never allow anything. This module replaces the
two methods moto calls before every action (``ActionAuthenticatorMixin._authenticate_and_authorize_*``) from
outside, for every service behind ``BaseResponse.call_action`` and S3 (Glacier included, through
``EmulatorGlacierResponse``):

- a request signed with **an assumed role's** keys (STS AssumeRole, which is how the emulated Lambda runs a
  function as its execution role, and how the hub reaches a member) is evaluated with ``iam_policy.evaluate``:
  the role's inline and managed policies, the action (``service:Action``, S3's named as IAM names them), the
  resource ARN (``resource_of``) and the condition keys this module knows (``context_of``);
- any other request (test credentials, the operator's own in the CLI tests) is unrestricted, as before.

A denial answers as the service does (``AccessDeniedException``, or ``AccessDenied`` for the XML services),
naming the role session, the action and the resource, and is kept in ``LEDGER.denials``; every allowed
request is kept in ``LEDGER.used`` with the statement that allowed it (least privilege by use: what a role's
grants are for). ``LEDGER.enforce = False`` turns enforcement off (the checks still record).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import AccessDeniedError, JsonRESTError
from moto.iam.models import iam_backends
from moto.s3.exceptions import S3AccessDeniedError
from moto.sns.exceptions import SNSException
from moto.sts.models import sts_backends

from .errors import access_denied
from .iam_policy import NamedPolicy, Request, Verdict, evaluate
from .trust import organization_of

# What moto's S3 names an operation, as the IAM action that authorizes it.
S3_ACTIONS = {
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}
# Other services' operations, as the IAM actions that authorize them.
IAM_ACTIONS = {"lambda": {"Invoke": "InvokeFunction"}}
# Services answering in JSON (their AccessDeniedException is a JSON body); the others answer in XML.
JSON_SERVICES = frozenset(
    {"dynamodb", "states", "lambda", "kms", "logs", "organizations", "events", "scheduler", "sqs", "glacier"}
)


@dataclass(frozen=True)
class RoleSession:
    account: str
    partition: str
    role_name: str
    role_arn: str
    session_arn: str


@dataclass(frozen=True)
class Use:
    role_arn: str
    action: str
    resource: str
    policy: str
    statement: str


class Ledger:
    """What role sessions did: the (action, resource) each used and the statement that allowed it, and
    what was denied. Process-wide (the server's, in server mode), reset with the emulator."""

    def __init__(self) -> None:
        self.enforce = True
        # Opt-in: also evaluate IAM users' keys (their own policies and their groups'); other keys stay free.
        self.check_users = False
        self._lock = threading.Lock()
        self.used: set[Use] = set()
        self.denials: list[dict[str, str]] = []

    def reset(self) -> None:
        with self._lock:
            self.used.clear()
            self.denials.clear()
            self.enforce = True
            self.check_users = False

    def record(self, session: RoleSession, request: Request, verdict: Verdict) -> None:
        with self._lock:
            if verdict.allowed and verdict.statement is not None:
                policy, statement = verdict.statement
                self.used.add(Use(session.role_arn, request.action, request.resource, policy, statement))
            else:
                self.denials.append(
                    {
                        "role_arn": session.role_arn,
                        "action": request.action,
                        "resource": request.resource,
                        "decision": verdict.decision.value,
                    }
                )

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            used = sorted(self.used, key=lambda use: (use.role_arn, use.action, use.resource))
            return {
                "enforce": self.enforce,
                "check_users": self.check_users,
                "used": [use.__dict__ for use in used],
                "denials": list(self.denials),
            }


LEDGER = Ledger()


def session_of(access_key_id: str) -> RoleSession | None:
    """The assumed-role session these keys belong to, in any account, or None (not a role's keys)."""
    for account_id, partitions in list(sts_backends.items()):
        for partition, backend in list(partitions.items()):
            for assumed in list(backend.assumed_roles):
                if assumed.access_key_id == access_key_id:
                    role_arn = str(assumed.role_arn)
                    return RoleSession(
                        account=role_arn.split(":")[4] or account_id,
                        partition=partition,
                        role_name=role_arn.rsplit("/", 1)[-1],
                        role_arn=role_arn,
                        session_arn=str(assumed.arn),
                    )
    return None


def user_session(access_key_id: str) -> tuple[RoleSession, list[NamedPolicy]] | None:
    """An IAM user's keys (any account): the user as a principal and its policies, its groups' included."""
    for account_id, partitions in list(iam_backends.items()):
        for partition, backend in list(partitions.items()):
            for user in list(backend.users.values()):
                if any(key.access_key_id == access_key_id for key in user.access_keys):
                    policies = [NamedPolicy.parse(name, doc) for name, doc in user.policies.items()]
                    policies += [_managed(arn, managed) for arn, managed in user.managed_policies.items()]
                    for group in backend.get_groups_for_user(user.name):
                        policies += [NamedPolicy.parse(name, doc) for name, doc in group.policies.items()]
                        policies += [_managed(arn, m) for arn, m in group.managed_policies.items()]
                    arn = f"arn:{partition}:iam::{account_id}:user/{user.name}"
                    return RoleSession(account_id, partition, user.name, arn, arn), policies
    return None


def _managed(arn: str, managed: Any) -> NamedPolicy:
    default = next(version for version in managed.versions if version.is_default)
    return NamedPolicy.parse(arn, default.document)


def role_policies(session: RoleSession) -> list[NamedPolicy]:
    """The role's inline policies (by name) and attached managed policies (by ARN), as deployed."""
    backend = iam_backends[session.account][session.partition]
    role = next((r for r in backend.roles.values() if r.name == session.role_name), None)
    if role is None:
        return []
    policies = [NamedPolicy.parse(name, document) for name, document in role.policies.items()]
    policies += [_managed(arn, managed) for arn, managed in role.managed_policies.items()]
    return policies


def context_of(session: RoleSession, resource: str) -> dict[str, str]:
    """The global condition keys this module sets: the principal's, and the resource's account and
    organization where the ARN names an account."""
    context = {
        "aws:PrincipalAccount": session.account,
        "aws:PrincipalArn": session.role_arn,
        "aws:SecureTransport": "false",  # the emulator speaks plain HTTP on loopback
    }
    principal_org = organization_of(session.account)
    if principal_org:
        context["aws:PrincipalOrgID"] = principal_org
    parts = resource.split(":")
    if len(parts) >= 6 and parts[4]:
        context["aws:ResourceAccount"] = parts[4]
        resource_org = organization_of(parts[4])
        if resource_org:
            context["aws:ResourceOrgID"] = resource_org
    return context


def _json_body(response: Any) -> dict[str, Any]:
    body = getattr(response, "body", None)
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body or "{}")
        except ValueError:
            return {}
    return body if isinstance(body, dict) else {}


def resource_of(service: str, action: str, response: Any) -> str:
    """The ARN the action is on, for the calls this project makes with a role's credentials; `*` for the
    actions that have no resource type (glacier:ListVaults, organizations:List*, ...) and any other."""
    region, account = response.region, response.current_account
    partition = "aws"
    if service == "glacier":
        vault = (getattr(response, "uri_match", None) or {}).get("vaultName")
        return f"arn:{partition}:glacier:{region}:{account}:vaults/{vault}" if vault else "*"
    if service == "dynamodb":
        table = _json_body(response).get("TableName")
        return f"arn:{partition}:dynamodb:{region}:{account}:table/{table}" if table else "*"
    if service == "sts" and action == "AssumeRole":
        return str(response._get_param("RoleArn") or "*")
    if service == "sns":  # Publish: the run summary's topic
        return str(response._get_param("TopicArn") or response._get_param("TargetArn") or "*")
    if service == "states":
        body = _json_body(response)
        return str(body.get("stateMachineArn") or body.get("executionArn") or "*")
    if service == "lambda":
        name = urllib.parse.unquote(
            (getattr(response, "path", "") or "").split("/functions/")[-1].split("/")[0]
        )
        arn = (
            name if name.startswith("arn:") else f"arn:{partition}:lambda:{region}:{account}:function:{name}"
        )
        qualifier = (getattr(response, "querystring", None) or {}).get("Qualifier")
        if qualifier and arn.count(":") == 6:
            arn = f"{arn}:{qualifier[0] if isinstance(qualifier, list) else qualifier}"
        return arn if name else "*"
    return "*"


class JsonAccessDenied(JsonRESTError):
    code = 403


class SnsAuthorizationError(SNSException):
    code = "AuthorizationError"


def _deny(service: str, session: RoleSession, request: Request) -> Exception:
    denied = (
        f"{request.action} on resource: {request.resource} because no identity-based policy allows the "
        f"{request.action} action"
    )
    if service == "glacier":
        return access_denied(f"User: {session.session_arn} is not authorized to perform: {denied}")
    if service == "s3":
        error = S3AccessDeniedError()
        error.message = f"User: {session.session_arn} is not authorized to perform: {denied}"
        return error
    if service == "sns":  # SNS's own code for it, in its query-protocol error (with a RequestId)
        return SnsAuthorizationError(f"User: {session.session_arn} is not authorized to perform: {denied}")
    if service in JSON_SERVICES:
        return JsonAccessDenied(
            "AccessDeniedException", f"User: {session.session_arn} is not authorized to perform: {denied}"
        )
    return AccessDeniedError(session.session_arn, denied)


def authorize(response: Any, service: str, action: str, resource: str) -> None:
    """Raises the service's access error when a role session may not `action` on `resource`."""
    authorization = str(response.headers.get("Authorization") or "")
    if "Credential=" not in authorization:
        return
    access_key_id = authorization.split("Credential=", 1)[1].split("/", 1)[0]
    session = session_of(access_key_id)
    policies: list[NamedPolicy] | None = None
    if session is None:
        user = user_session(access_key_id) if LEDGER.check_users else None
        if user is None:
            return
        session, policies = user
    request = Request(f"{service}:{action}", resource, context_of(session, resource))
    if request.action == "sts:GetCallerIdentity":
        return  # AWS allows it whatever the policies say
    verdict = evaluate(role_policies(session) if policies is None else policies, request)
    LEDGER.record(session, request, verdict)
    if not verdict.allowed and LEDGER.enforce:
        raise _deny(service, session, request)


def _service_of(response: Any) -> str:
    authorization = str(response.headers.get("Authorization") or "")
    if "Credential=" in authorization:
        return authorization.split("Credential=", 1)[1].split("/")[3]
    return ""


def _normal_action(self: Any, resource: str = "*") -> None:
    service = _service_of(self)
    if service:
        action = IAM_ACTIONS.get(service, {}).get(self._get_action(), self._get_action())
        authorize(self, service, action, resource_of(service, action, self) if resource == "*" else resource)
    _ORIGINAL_NORMAL(self, resource)


def _s3_action(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
    if _service_of(self) == "s3":
        operation = str(self.data.get("Action") or "")
        target = f"{bucket_name or '*'}/{key_name}" if key_name else (bucket_name or "*")
        authorize(self, "s3", S3_ACTIONS.get(operation, operation), f"arn:aws:s3:::{target}")
    _ORIGINAL_S3(self, bucket_name, key_name)


_ORIGINAL_NORMAL = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action
_ORIGINAL_S3 = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action


def install_authorization() -> None:
    """Put the role check in front of moto's own (idempotent)."""
    mixin: Any = ActionAuthenticatorMixin
    mixin._authenticate_and_authorize_normal_action = _normal_action
    mixin._authenticate_and_authorize_s3_action = _s3_action


__all__ = ["LEDGER", "Ledger", "RoleSession", "Use", "authorize", "install_authorization", "session_of"]

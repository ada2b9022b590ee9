"""The organization mode on the local multi-account AWS: the synthesized templates, run by the emulator.

- The member role is deployed into member accounts **from the synthesized member template** (moto's
  CloudFormation, through each account's OrganizationAccountAccessRole), as the StackSet would.
- The hub's functions, alias, bucket and state machine are created through the APIs **from the synthesized
  hub template's own properties** (handler, environment, timeout, role name, the state machine's
  definition), and the definition is executed by moto's Step Functions interpreter; every Lambda task runs
  the real handler in-process (glacier_emulator.lambda_runtime).

Where the local stand-ins differ from AWS, this module works around it visibly and lists it in
`LOCAL_DIFFERENCES` (make demo-org prints them):
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import time
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glacier_cleanup import handler, org_handler

from glacier_emulator import RUNTIME
from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.lambda_runtime import GlacierCallClock
from glacier_emulator.organization import LocalOrganization, deploy_stack
from local_harness.synth_app import synthesize_in_process

LOCAL_DIFFERENCES = (
    "moto's Step Functions parser rejects an integer ToleratedFailurePercentage (CDK writes 10): the "
    "definition's value is rewritten as the same number with a decimal point (10 -> 10.0) before it is "
    "created; nothing else in the definition changes.",
    "moto's ResultWriter writes only manifest.json: glacier_emulator.stepfunctions writes the result files "
    "(SUCCEEDED_0.json, ...) in Step Functions' documented format, so the summary step reads them as in AWS.",
    "moto's CloudFormation cannot deploy the hub template (Scheduler, StackSets, KMS key policies, assets): "
    "its functions, alias, bucket and state machine are created through the APIs from the template's own "
    "properties; the StackSet is stood in for by deploying its member template into each member account.",
    "The emulator's Lambda runs one invocation at a time, so the map's items run one after another, not "
    "MaxConcurrency at once.",
    "moto's interpreter ignores ToleratedFailurePercentage (it says so on stderr): a failed child does not "
    "fail the map; the summary counts failed children itself, as it does in AWS below the tolerance.",
    "moto leaves $$.Execution.Name empty when StartExecution names no execution (Step Functions generates a "
    "UUID, as Scheduler and the console do): the harness names each execution itself.",
    "Every S3 bucket of a template (the hub's results and records buckets) is one local bucket: their "
    "objects never share a prefix (runs/, results/, records/), and each bucket's own lifecycle and "
    "policy are checked in the templates' tests, not here.",
    "The functions' time budget runs on a clock of Glacier calls (0.3 ms each, glacier_emulator's "
    "GlacierCallClock), not on the wall clock: how many rounds a backlog takes does not depend on how "
    "fast or busy this machine is.",
)
# One Glacier call costs this much of a function's time budget locally (LOCAL_DIFFERENCES): the scenario's
# 0.2 s rounds then hold about 660 calls, enough for a dry run to look at the whole backlog once (600
# ListParts) and too few for the real run (a ListParts and an abort each), which takes several rounds.
SECONDS_PER_GLACIER_CALL = 0.0003
_INTEGER_TOLERANCE = re.compile(r'("ToleratedFailurePercentage":)(\d+)([,}])')


@dataclass
class LocalHub:
    state_machine_arn: str
    bucket: str
    definition_changes: list[str] = field(default_factory=list)
    observation_table: str | None = None  # the activity check's table (None when the check is off)
    summary_topic: str | None = None  # the run summary's SNS topic ARN (a target's stack, the hub)


def synthesize(block: Mapping[str, Any], outdir: Path) -> dict[str, dict[str, Any]]:
    """`cdk synth` of the app for `block` (the glacier-cleanup config), in-process: stack name -> template."""
    _, assembly = synthesize_in_process(outdir, block)
    return {stack.stack_name: stack.template for stack in assembly.stacks}


def deploy_member_roles(
    glacier: EmulatorHandle, org: LocalOrganization, template: dict[str, Any], accounts: list[str]
) -> None:
    for account in accounts:
        deploy_stack(
            glacier, org, account_id=account, stack_name="glacier-cleanup-member-role", template=template
        )


def _resolve(node: Any, values: Mapping[str, Any]) -> Any:
    """Ref / Fn::GetAtt / Fn::Join of the hub template, with `values` for the logical ids."""
    if isinstance(node, dict):
        if "Ref" in node:
            return values[node["Ref"]]
        if "Fn::GetAtt" in node:
            return values[f"{node['Fn::GetAtt'][0]}.{node['Fn::GetAtt'][1]}"]
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(_resolve(part, values)) for part in parts)
        if "Fn::Split" in node:
            separator, text = node["Fn::Split"]
            return str(_resolve(text, values)).split(separator)
        if "Fn::Select" in node:
            index, items = node["Fn::Select"]
            return _resolve(items, values)[int(index)]
        return {key: _resolve(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, values) for item in node]
    return node


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {i: r for i, r in template["Resources"].items() if r["Type"] == kind}


def _code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "the in-process runtime imports the handler from this checkout")
    return buffer.getvalue()


def deploy_hub(glacier: EmulatorHandle, template: dict[str, Any], *, account: str, region: str) -> LocalHub:
    """Create the runtime resources of the hub's template (or a target's: the same kinds, with its records
    bucket in place of the results bucket) from its properties; returns the state machine."""
    iam, lambdas = glacier.aws_client("iam"), glacier.aws_client("lambda")
    values: dict[str, Any] = {"AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": account}
    bucket = ""
    for bucket_id in _of_type(template, "AWS::S3::Bucket"):
        bucket = f"glacier-cleanup-results-{account}"
        glacier.aws_client("s3").create_bucket(Bucket=bucket)
        values[bucket_id] = bucket
        values[f"{bucket_id}.Arn"] = f"arn:aws:s3:::{bucket}"
    for table_id, table in _of_type(template, "AWS::DynamoDB::Table").items():
        # The observation table, from its template properties (key schema, on-demand billing, TTL).
        properties = table["Properties"]
        dynamodb = glacier.aws_client("dynamodb")
        name = f"hub-{table_id}"
        dynamodb.create_table(
            TableName=name,
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            BillingMode=properties["BillingMode"],
        )
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        values[table_id] = name
        values[f"{table_id}.Arn"] = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
    summary_topic = None
    for topic_id in _of_type(template, "AWS::SNS::Topic"):
        arn = glacier.aws_client("sns").create_topic(Name=f"hub-{topic_id}")["TopicArn"]
        values[topic_id] = arn
        if topic_id.startswith("RunSummary"):
            summary_topic = arn
    for role_id, role in _of_type(template, "AWS::IAM::Role").items():
        name = role["Properties"].get("RoleName") or f"hub-{role_id}"[:64]
        trust = _resolve(role["Properties"]["AssumeRolePolicyDocument"], values)
        created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        values[f"{role_id}.Arn"] = created["Arn"]
    for function_id, function in _of_type(template, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        if not str(properties.get("Handler", "")).startswith("glacier_cleanup."):
            continue  # CDK's own helper functions (log retention, custom resources) are not run here
        variables = _resolve(properties.get("Environment", {}).get("Variables", {}), values)
        created = lambdas.create_function(
            FunctionName=function_id,
            Runtime=properties["Runtime"],
            Role=_resolve(properties["Role"], values),
            Handler=properties["Handler"],
            Code={"ZipFile": _code_zip()},
            Timeout=properties.get("Timeout", 3),
            MemorySize=properties.get("MemorySize", 128),
            Environment={"Variables": variables},
        )
        values[f"{function_id}.Arn"] = created["FunctionArn"]
        values[function_id] = function_id
    for alias_id, alias in _of_type(template, "AWS::Lambda::Alias").items():
        function_name = _resolve(alias["Properties"]["FunctionName"], values)
        version = lambdas.publish_version(FunctionName=function_name)["Version"]
        created = lambdas.create_alias(
            FunctionName=function_name, Name=alias["Properties"]["Name"], FunctionVersion=version
        )
        values[alias_id] = created["AliasArn"]
    [(machine_id, machine)] = _of_type(template, "AWS::StepFunctions::StateMachine").items()
    values[machine_id] = f"arn:aws:states:{region}:{account}:stateMachine:{machine_id}"
    _attach_policies(iam, template, values, region=region, account=account)
    definition = _resolve(machine["Properties"]["DefinitionString"], values)
    changes: list[str] = []
    patched = _INTEGER_TOLERANCE.sub(lambda m: f"{m[1]}{m[2]}.0{m[3]}", definition)
    if patched != definition:
        changes.append(LOCAL_DIFFERENCES[0])
    created = glacier.aws_client("stepfunctions").create_state_machine(
        name=machine_id,
        definition=patched,
        roleArn=_resolve(machine["Properties"]["RoleArn"], values),
        type=machine["Properties"].get("StateMachineType", "STANDARD"),
    )
    # A new execution environment per function and settings: the handlers' caches start empty.
    for clear in (handler.get_runtime.cache_clear, org_handler.get_settings.cache_clear):
        if clear not in RUNTIME.cold_start_hooks:
            RUNTIME.cold_start_hooks.append(clear)
    RUNTIME.clock = GlacierCallClock(SECONDS_PER_GLACIER_CALL)
    tables = [values[table_id] for table_id in _of_type(template, "AWS::DynamoDB::Table")]
    return LocalHub(created["stateMachineArn"], bucket, changes, tables[0] if tables else None, summary_topic)


# ARNs of the hub's resources that are not created locally (log groups, the key, the queue, ...): the
# policies that name them are attached as written; what those statements grant is not used locally.
_ARN_OF_TYPE = {
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{id}:*",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{id}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{id}",
}


def _attach_policies(
    iam: Any, template: dict[str, Any], values: dict[str, Any], *, region: str, account: str
) -> None:
    """The roles' identity policies as the template deploys them (AWS::IAM::Policy resources and a role's
    own Policies): the emulator checks every call made with a role's credentials against them."""
    for logical_id, resource in template["Resources"].items():
        pattern = _ARN_OF_TYPE.get(resource["Type"])
        if pattern and f"{logical_id}.Arn" not in values:
            arn = pattern.format(region=region, account=account, id=logical_id)
            values.setdefault(logical_id, arn)
            values[f"{logical_id}.Arn"] = arn
    role_names = {
        role_id: values[f"{role_id}.Arn"].rsplit("/", 1)[-1]
        for role_id in _of_type(template, "AWS::IAM::Role")
    }
    for policy_id, policy in _of_type(template, "AWS::IAM::Policy").items():
        document = json.dumps(_resolve(policy["Properties"]["PolicyDocument"], values))
        for role in policy["Properties"]["Roles"]:
            role_name = role_names[role["Ref"]]
            iam.put_role_policy(RoleName=role_name, PolicyName=policy_id, PolicyDocument=document)
    for role_id, role in _of_type(template, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            document = json.dumps(_resolve(inline["PolicyDocument"], values))
            iam.put_role_policy(
                RoleName=role_names[role_id], PolicyName=inline["PolicyName"], PolicyDocument=document
            )


def run_execution(
    glacier: EmulatorHandle, hub: LocalHub, execution_input: dict[str, Any], *, timeout: float = 600
) -> dict[str, Any]:
    """Start an execution, wait for it, return its output: the hub's summary file, or a target's result."""
    states = glacier.aws_client("stepfunctions")
    started = states.start_execution(
        stateMachineArn=hub.state_machine_arn, name=str(uuid.uuid4()), input=json.dumps(execution_input)
    )
    deadline = time.monotonic() + timeout
    while True:
        described = states.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(
            f"execution {described['status']}: {described.get('error')} {described.get('cause')}"
        )
    output: dict[str, Any] = json.loads(described["output"])
    if "summary_key" not in output:  # a target's run: its output is the last round's result
        return output
    summary = glacier.aws_client("s3").get_object(Bucket=hub.bucket, Key=output["summary_key"])
    document: dict[str, Any] = json.loads(summary["Body"].read())
    return document


def scratch_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="glacier-cleanup-org-"))

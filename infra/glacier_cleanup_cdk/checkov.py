"""Acknowledging checkov findings one by one, where checkov reads them: `Metadata.checkov.skip`.

Each acknowledgment names one check on one resource with a specific reason (never a blanket skip).
"""

from aws_cdk import CfnResource
from constructs import IConstruct


def acknowledge(construct: IConstruct, check_id: str, reason: str) -> None:
    """Skip `check_id` on the CloudFormation resource behind `construct` (an L2 or an L1)."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path}: no CloudFormation resource to acknowledge {check_id} on")
    metadata = resource.get_metadata("checkov") or {"skip": []}
    metadata["skip"] = [*metadata["skip"], {"id": check_id, "comment": reason}]
    resource.add_metadata("checkov", metadata)

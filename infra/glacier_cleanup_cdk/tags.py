"""The tags every stack of this project carries: on every taggable resource, so an account's billing and its
resource inventory tell this project's resources apart, and which release deployed them."""

from aws_cdk import Tags
from constructs import IConstruct
from glacier_cleanup import __version__

PROJECT = "glacier-multipart-cleanup"


def tag_project(scope: IConstruct) -> None:
    Tags.of(scope).add("project", PROJECT)
    Tags.of(scope).add("glacier-cleanup:version", __version__)

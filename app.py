#!/usr/bin/env python3
"""CDK app: one Glacier multipart cleanup stack per target configured under `glacier-cleanup`.

A thin user of the construct library (glacier_cleanup_cdk, in infra/; docs/library.md): the same
`build_app` a team's own app can call. See docs/deploy.md. Synth needs no AWS credentials: nothing is looked
up; the Powertools layer ARN is a deploy-time SSM parameter reference.
"""

import os
import sys

from aws_cdk import App
from glacier_cleanup_cdk import ConfigError, build_app, load_config, pinned_powertools_version


def main() -> None:
    app = App()
    try:
        config = load_config(
            app.node.get_all_context(),
            default_account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
            default_region=os.environ.get("CDK_DEFAULT_REGION"),
        )
    except ConfigError as exc:
        sys.exit(str(exc))  # one message, exit status 1, no traceback
    build_app(app, config, powertools_version=pinned_powertools_version())
    app.synth()


if __name__ == "__main__":
    main()

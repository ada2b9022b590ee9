"""What the tests share: fakes and builders (fakes.py), the handler's test environment (handler_env.py), the
terminal tool in-process (cli_env.py).

Imported as `support` (pytest puts tests/ on the path); nothing is imported from a conftest.py.
"""

import os

# Before glacier_cleanup is imported anywhere (importing any of this package runs this first): Logger and
# Metrics read these once.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "glacier-multipart-cleanup")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "GlacierMultipartCleanup")

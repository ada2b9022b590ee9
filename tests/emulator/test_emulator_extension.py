"""How the extension attaches to moto, and the guard that tells when it can be retired."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import moto.glacier.urls
import pytest
from moto.core.exceptions import JsonRESTError
from moto.glacier.models import GlacierBackend
from moto.glacier.responses import GlacierResponse

import glacier_emulator
from glacier_emulator.responses import EmulatorGlacierResponse

MULTIPART_OPERATIONS = [
    "initiate_multipart_upload",
    "upload_multipart_part",
    "list_parts",
    "complete_multipart_upload",
    "abort_multipart_upload",
    "list_multipart_uploads",
]
MULTIPART_URLS = [
    "https://glacier.us-east-1.amazonaws.com/-/vaults/v/multipart-uploads",
    "https://glacier.us-east-1.amazonaws.com/-/vaults/v/multipart-uploads/some-upload-id",
]


def pristine_moto_urls() -> ModuleType:
    """A fresh copy of moto's glacier urls module, untouched by ``install()``."""
    spec = importlib.util.spec_from_file_location("moto.glacier._pristine_urls", moto.glacier.urls.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pinned_moto_still_lacks_multipart_uploads() -> None:
    """When this fails, moto implements (some of) these operations: compare and retire the extension."""
    implemented = [name for name in MULTIPART_OPERATIONS if hasattr(GlacierResponse, name)]
    assert implemented == [], f"moto now implements {implemented}; retire glacier_emulator's versions"
    pristine = pristine_moto_urls()

    def routed(url: str) -> bool:
        return any(
            re.match(pattern.format(base), url)
            for pattern in pristine.url_paths
            for base in pristine.url_bases
        )

    assert routed("https://glacier.us-east-1.amazonaws.com/-/vaults/v")  # the check can see a route
    assert [url for url in MULTIPART_URLS if routed(url)] == [], (
        "moto now routes multipart-upload URLs itself"
    )


def test_pinned_moto_still_answers_missing_vaults_with_vault_not_found() -> None:
    """The emulator maps this to Glacier's ResourceNotFoundException/404; drop the mapping when moto does."""
    with pytest.raises(JsonRESTError) as caught:
        GlacierBackend("us-east-1", "123456789012").describe_vault("missing")
    assert (caught.value.error_type, caught.value.code) == ("VaultNotFound", 400)


def test_install_is_idempotent_and_routes_every_glacier_url() -> None:
    glacier_emulator.install()
    before = dict(moto.glacier.urls.url_paths)
    glacier_emulator.install()
    assert moto.glacier.urls.url_paths == before
    assert len(before) == len(pristine_moto_urls().url_paths) + len(glacier_emulator.MULTIPART_URL_PATHS)
    handlers = {getattr(handler, "__self__", None) for handler in before.values()}
    assert handlers == {EmulatorGlacierResponse}
    assert issubclass(EmulatorGlacierResponse, GlacierResponse)

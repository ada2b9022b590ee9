"""Glacier's error responses: JSON ``{"code", "message", "type"}`` with the HTTP status Glacier uses."""

from __future__ import annotations

import json


class GlacierError(Exception):
    """An error answered the way Amazon Glacier answers it.

    botocore's rest-json parser reads ``code`` from the body, so modelled codes raise
    ``client.exceptions.<Code>`` and the others surface as ``ClientError`` with that code.
    Hooks may raise it to fail the request they intercept.
    """

    def __init__(self, code: str, message: str, status: int, error_type: str = "Client") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.error_type = error_type

    def response(self) -> tuple[int, dict[str, str], str]:
        body = json.dumps({"code": self.code, "message": self.message, "type": self.error_type})
        return self.status, {"content-type": "application/json"}, body


def resource_not_found(message: str) -> GlacierError:
    return GlacierError("ResourceNotFoundException", message, 404)


def invalid_parameter(message: str) -> GlacierError:
    return GlacierError("InvalidParameterValueException", message, 400)


def missing_parameter(message: str) -> GlacierError:
    return GlacierError("MissingParameterValueException", message, 400)


def throttled() -> GlacierError:
    return GlacierError("ThrottlingException", "Rate exceeded", 400)


def service_unavailable() -> GlacierError:
    return GlacierError("ServiceUnavailableException", "Service is temporarily unavailable.", 500, "Server")


def access_denied(message: str) -> GlacierError:
    return GlacierError("AccessDeniedException", message, 403)


def no_longer_supported() -> GlacierError:
    return GlacierError(
        "NoLongerSupportedException", "This API is no longer supported for new accounts.", 400
    )


def vault_not_found(vault_arn: str) -> GlacierError:
    return resource_not_found(f"Vault not found for ARN: {vault_arn}")


def upload_not_found(upload_id: str) -> GlacierError:
    return resource_not_found(f"The upload ID was not found: {upload_id}")


def region_not_enabled() -> GlacierError:
    # What AWS answers in an opt-in region the account has not enabled.
    return GlacierError(
        "UnrecognizedClientException", "The security token included in the request is invalid.", 403
    )

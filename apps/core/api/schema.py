"""The API's one error shape in the OpenAPI schema: ``ErrorResponse`` with ``code`` as the enum of every code.

The codes are the members of the apps' ``ErrorCode`` enums (the kernel's in apps/core/errors.py, each app's in
``apps/<app>/errors.py``), each listed with its description; tests/core/test_error_codes.py checks the enum equals
their union.
"""

from __future__ import annotations

from django.urls import get_urlconf
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from apps.core.errors import all_error_codes

ERROR_CODE_COMPONENT = "ErrorCodeEnum"
ERROR_RESPONSE_COMPONENT = "ErrorResponse"


def error_components() -> dict[str, dict]:
    codes = all_error_codes()
    listing = "\n".join(f"* `{code}` - {description}" for code, description in codes.items())
    return {
        ERROR_CODE_COMPONENT: {
            "type": "string",
            "enum": list(codes),
            "description": "The machine-readable code of an API error:\n\n" + listing,
            "x-enum-descriptions": list(codes.values()),
        },
        ERROR_RESPONSE_COMPONENT: {
            "type": "object",
            "description": "Every 4xx answer of the API: `{\"error\": {\"code\", \"message\", \"fields\"}}` "
                           "(apps/core/api/errors.py).",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"$ref": f"#/components/schemas/{ERROR_CODE_COMPONENT}"},
                        "message": {"type": "string", "description": "For the user, in the request's language."},
                        "fields": {"type": "object", "additionalProperties": {},
                                   "description": "The input fields the error is about: name → messages."},
                        "extra": {"type": "object", "additionalProperties": {},
                                  "description": "Details some codes carry (present only then)."},
                    },
                    "required": ["code", "message", "fields"],
                },
            },
            "required": ["error"],
        },
    }


def add_error_components(result, generator, request, public):
    """drf-spectacular postprocessing hook (settings SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): the components,
    and every operation's client errors (``4XX``) answered with ``ErrorResponse`` unless it documents its own."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(error_components())
    error = {"description": "The request was refused: the error's code, message and fields.",
             "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_RESPONSE_COMPONENT}"}}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if not any(str(status).startswith("4") for status in responses):
                responses["4XX"] = error
    return result


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the OpenAPI description, generated once per language (and API version) in each process.

    Generating it walks every view and serializer of the API — seconds of CPU — and its content depends only on the
    code, the settings and the language it is written in (it is the public description, the same for every
    user), so anyone asking for it again gets the one already made instead of costing those seconds again."""

    _made: dict[tuple, dict] = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version, get_urlconf())
        schema = self._made.get(key)
        if schema is None:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            schema = self._made[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(data=schema, headers={
            "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'})

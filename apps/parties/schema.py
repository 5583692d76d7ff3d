"""OpenAPI (drf-spectacular) description of the API-key authentication of system-to-system clients."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.parties.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Per-organisation key of a system account: `Authorization: Api-Key <prefix>.<secret>`.",
        }

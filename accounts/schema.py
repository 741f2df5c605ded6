"""OpenAPI: the Bearer scheme of ``accounts.authentication.JWTAuthentication`` (every app's
authenticated views use it), registered when the app is ready."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "RS256 access token from auth/login/ (keys at auth/jwks/).",
        }

"""OpenAPI description of the game-service token (imported by ``EventsConfig.ready``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class GameServiceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "events.authentication.GameServiceAuthentication"
    name = "gameServiceAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The game server's shared secret (GAME_SERVICE_TOKEN).",
        }

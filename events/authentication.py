"""(service) endpoints: ``Authorization: Bearer <GAME_SERVICE_TOKEN>``, compared in constant time.

With GAME_SERVICE_TOKEN unset every request is refused. A failure is 401 AUTH_TOKEN_INVALID."""

import hmac

from django.conf import settings
from rest_framework import authentication, exceptions, permissions


class GameServiceTokenInvalid(exceptions.AuthenticationFailed):
    error_code = "AUTH_TOKEN_INVALID"
    default_detail = "Game service token is missing or invalid."


class GameService:
    """The authenticated principal of a service request (the game server)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    pk = id = None

    def __str__(self):
        return "game-service"


class GameServiceAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0] != self.keyword.encode():
            raise GameServiceTokenInvalid()
        expected = settings.GAME_SERVICE_TOKEN.encode()
        presented = parts[1] if len(parts) == 2 else b""
        # compare_digest even when the token is unset, so timing tells nothing.
        valid = hmac.compare_digest(presented, expected or b"\0unset")
        if not expected or not valid:
            raise GameServiceTokenInvalid()
        return GameService(), None

    def authenticate_header(self, request):
        return f'{self.keyword} realm="game-service"'


class IsGameService(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, GameService)

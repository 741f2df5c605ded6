"""(service) endpoints: ``Authorization: Bearer <GAME_SERVICE_TOKEN>``, compared in constant time.

With GAME_SERVICE_TOKEN unset every request is refused. A failure is 401 AUTH_TOKEN_INVALID;
after ``SERVICE_TOKEN_FAILURES_IP`` failures from one client IP within the window, every request
from it is a 429 RATE_LIMITED (with Retry-After) until the window closes."""

import hmac

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from core import ratelimit

_SCOPE = "service-token-ip"


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
        ip = ratelimit.client_ip(request)
        failures = ratelimit.Rate.parse(settings.SERVICE_TOKEN_FAILURES_IP)
        ratelimit.check(_SCOPE, ip, failures)
        if not self._valid(request):
            ratelimit.hit(_SCOPE, ip, failures)
            raise GameServiceTokenInvalid()
        return GameService(), None

    def _valid(self, request) -> bool:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0] != self.keyword.encode():
            return False
        expected = settings.GAME_SERVICE_TOKEN.encode()
        presented = parts[1] if len(parts) == 2 else b""
        # compare_digest even when the token is unset, so timing tells nothing.
        valid = hmac.compare_digest(presented, expected or b"\0unset")
        return bool(expected) and valid

    def authenticate_header(self, request):
        return f'{self.keyword} realm="game-service"'


class IsGameService(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, GameService)

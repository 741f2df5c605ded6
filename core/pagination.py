from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination

from core.errors import ValidationFailed

# Offsets past this are past the end of any list we serve; capping keeps them inside the
# databases' 64-bit integers (an offset of 2**63 would be a 500 otherwise).
MAX_OFFSET = 2**31 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def _limit_schema(default: int, maximum: int) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}


_OFFSET_SCHEMA = {"type": "integer", "minimum": 0, "default": 0}
_LIMIT_DESCRIPTION = (
    "Page size (default {default}, at most {maximum}: a larger value is lowered to it)."
)
_OFFSET_DESCRIPTION = "Items to skip (default 0); past the end: an empty page."


def page_parameters(default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT) -> list:
    """``limit``/``offset`` for ``extend_schema(parameters=…)`` on views that page by hand."""
    return [
        OpenApiParameter(
            "limit",
            _limit_schema(default_limit, max_limit),
            description=_LIMIT_DESCRIPTION.format(default=default_limit, maximum=max_limit),
        ),
        OpenApiParameter("offset", _OFFSET_SCHEMA, description=_OFFSET_DESCRIPTION),
    ]


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit (default 50, max 100; 0 is refused: a page of nothing would link to itself) and
    offset; negative, empty or non-numeric values are a 400, an offset past the end an empty
    page."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def _parse(self, request, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            kind = "positive" if minimum else "non-negative"
            raise ValidationFailed(
                f"'{name}' must be a {kind} integer.",
                details={name: [f"A {kind} integer is required."]},
            )
        return value

    def get_limit(self, request):
        limit = self._parse(request, self.limit_query_param, self.default_limit, minimum=1)
        return min(limit, self.max_limit)

    def get_offset(self, request):
        return min(self._parse(request, self.offset_query_param, 0, minimum=0), MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        limit = _limit_schema(self.default_limit, self.max_limit)
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": _LIMIT_DESCRIPTION.format(
                    default=self.default_limit, maximum=self.max_limit
                ),
                "schema": limit,
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": _OFFSET_DESCRIPTION,
                "schema": dict(_OFFSET_SCHEMA),
            },
        ]


def page_params(
    request, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT
) -> tuple[int, int]:
    """(limit, offset) parsed with the same rules, for views that page without a queryset."""
    paginator = LimitOffsetPagination()
    paginator.default_limit, paginator.max_limit = default_limit, max_limit
    return paginator.get_limit(request), paginator.get_offset(request)

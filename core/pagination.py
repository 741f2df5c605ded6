from rest_framework import pagination

from core.errors import ValidationFailed

# Offsets past this are past the end of any list we serve; capping keeps them inside the
# databases' 64-bit integers (an offset of 2**63 would be a 500 otherwise).
MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit (default 50, max 100; 0 is refused: a page of nothing would link to itself) and
    offset; negative or non-numeric values are a 400, an offset past the end an empty page."""

    default_limit = 50
    max_limit = 100

    def _parse(self, request, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
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


def page_params(request, default_limit: int = 50, max_limit: int = 100) -> tuple[int, int]:
    """(limit, offset) parsed with the same rules, for views that page without a queryset."""
    paginator = LimitOffsetPagination()
    paginator.default_limit, paginator.max_limit = default_limit, max_limit
    return paginator.get_limit(request), paginator.get_offset(request)

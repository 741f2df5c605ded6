from rest_framework import pagination

from core.errors import ValidationFailed


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit (default 50, max 100) and offset; negative or non-numeric values are a 400."""

    default_limit = 50
    max_limit = 100

    def _parse(self, request, name: str, default):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < 0:
            raise ValidationFailed(
                f"'{name}' must be a non-negative integer.",
                details={name: ["A non-negative integer is required."]},
            )
        return value

    def get_limit(self, request):
        limit = self._parse(request, self.limit_query_param, self.default_limit)
        return min(limit, self.max_limit)

    def get_offset(self, request):
        return self._parse(request, self.offset_query_param, 0)


def page_params(request, default_limit: int = 50, max_limit: int = 100) -> tuple[int, int]:
    """(limit, offset) parsed with the same rules, for views that page without a queryset."""
    paginator = LimitOffsetPagination()
    paginator.default_limit, paginator.max_limit = default_limit, max_limit
    return paginator.get_limit(request), paginator.get_offset(request)

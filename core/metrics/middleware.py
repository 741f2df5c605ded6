"""``GET /metrics`` for the web processes, and django-prometheus's HTTP metrics with bounded labels.

``MetricsEndpointMiddleware`` sits right after django-prometheus's first middleware and answers
``/metrics`` itself: before the request log, the throttles, the HTTPS redirect and Django's host
check (a scraper addresses the pod by IP; ``access`` applies its own host rule to tokenless
loopback clients), and without counting the scrapes among the views' requests.
"""

from django.http import HttpResponse
from django_prometheus import middleware as django_prometheus
from prometheus_client import CONTENT_TYPE_LATEST

from core.exceptions import error_response
from core.metrics import access, exposition

METRICS_PATH = "/metrics"
# Every request that matched no route (or only the /api/ catch-all) gets this one view label.
UNMATCHED_VIEW = "<unmatched>"
UNMATCHED_URL_NAMES = {"api-not-found"}


class MetricsEndpointMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != METRICS_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = error_response(
                "METHOD_NOT_ALLOWED", f'Method "{request.method}" not allowed.', 405
            )
            response["Allow"] = "GET, HEAD"
            return response
        denied = access.check(request.META)
        if denied is not None:
            response = error_response(denied.code, denied.message, denied.status)
            for name, value in denied.headers.items():
                response[name] = value
            return response
        response = HttpResponse(
            exposition.render(exposition.state_collectors()), content_type=CONTENT_TYPE_LATEST
        )
        response["Cache-Control"] = "no-store"
        return response


def view_label(request) -> str:
    """The matched URL's name (``namespace:name``, or the view's dotted path when unnamed)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name in UNMATCHED_URL_NAMES:
        return UNMATCHED_VIEW
    return match.view_name or UNMATCHED_VIEW


class PrometheusAfterMiddleware(django_prometheus.PrometheusAfterMiddleware):
    """django-prometheus's last middleware, with every ``view`` label a route name and every
    ``method`` label one of the HTTP methods (it passes a raw method to one histogram), so no
    client can grow the number of series."""

    def label_metric(self, metric, request, response=None, **labels):
        if "view" in labels:
            labels["view"] = view_label(request)
        if "method" in labels:
            labels["method"] = self._method(request)
        return super().label_metric(metric, request, response, **labels)

"""The JSON parser of every API view: DRF's, with deep nesting a 400 instead of a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request of this API nests deeper than a few levels; deeper JSON is refused outright, so no
# serializer, renderer or log line ever recurses through an attacker's structure.
MAX_JSON_DEPTH = 64


def _deeper_than(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """Nesting deeper than ``MAX_JSON_DEPTH`` — or deep enough to exhaust the decoder's
    recursion (``RecursionError``) — is a ParseError: 400 ``MALFORMED_REQUEST``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            if not _deeper_than(data, MAX_JSON_DEPTH):
                return data
        except RecursionError:
            pass
        raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")

"""Shop pages and inventories in the cache (keys ``cosmetics:{entity}:{id}``).

Each cached family has a generation key; a page's key includes the generation current when it
was read. Invalidation deletes the generation after commit, so every older page is orphaned at
once (it expires by TTL) and a read that raced the write can only store under the old
generation: the next read is always fresh.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from core.cache import cache_key, get_or_set_json, invalidate
from core.memo import VersionedMemo

SERVICE = "cosmetics"
GENERATION_TTL = 24 * 3600


def _ttl(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _generation(family: str, ident: Any) -> str:
    return get_or_set_json(
        cache_key(SERVICE, f"{family}-gen", ident), lambda: uuid.uuid4().hex, GENERATION_TTL
    )


def shop_page(params: dict[str, Any], producer: Callable[[], Any]) -> Any:
    """A shop page for the (already validated) query ``params``."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]
    key = cache_key(SERVICE, "shop", f"{_generation('shop', 'all')}.{digest}")
    return get_or_set_json(key, producer, _ttl("COSMETICS_SHOP_CACHE_SECONDS", 60))


_kept_pages = VersionedMemo(
    lambda: settings.COSMETICS_SHOP_PAGE_SECONDS,
    lambda: _ttl("COSMETICS_SHOP_CACHE_SECONDS", 60),  # the shared page's lifetime: sale windows
)


def _shop_generation_or_none() -> str | None:
    """The shop's generation, None when the cache does not answer (then nothing is kept)."""
    key = cache_key(SERVICE, "shop-gen", "all")
    try:
        generation = cache.get(key)
        if generation is None:
            cache.add(key, json.dumps(uuid.uuid4().hex), GENERATION_TTL)
            generation = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache backend error: the page is not kept
        return None
    return generation


def shop_page_kept(query_string: str, producer: Callable[[], Any]) -> Any:
    """``shop_page`` kept in this process per raw query string (one that produced a page once
    is valid), keyed by the shop's generation and checked at most every
    ``COSMETICS_SHOP_PAGE_SECONDS``: a purchase or a catalog edit shows within that bound."""
    return _kept_pages.get(query_string, _shop_generation_or_none, producer)


def shop_pages_forget() -> None:
    """Drop this process's kept pages (tests)."""
    _kept_pages.clear()


def inventory(user_id: Any, producer: Callable[[], Any]) -> Any:
    """The user's whole inventory, serialised (it embeds catalog items, so a catalog edit
    makes it stale too; a purchase by someone else does not)."""
    generations = f"{_generation('inventory', user_id)}.{_generation('catalog', 'all')}"
    key = cache_key(SERVICE, "inventory", f"{user_id}.{generations}")
    return get_or_set_json(key, producer, _ttl("COSMETICS_INVENTORY_CACHE_SECONDS", 300))


def invalidate_shop() -> None:
    """After commit: every cached shop page is stale (owned_by_count changed)."""
    invalidate(cache_key(SERVICE, "shop-gen", "all"))


def invalidate_catalog() -> None:
    """After commit: a catalog edit makes every shop page and every inventory stale."""
    invalidate(cache_key(SERVICE, "shop-gen", "all"), cache_key(SERVICE, "catalog-gen", "all"))


def invalidate_inventory(user_id: Any) -> None:
    """After commit: the user's cached inventory is stale (purchase, grant, equip, unequip)."""
    invalidate(cache_key(SERVICE, "inventory-gen", user_id))


def invalidate_inventories(user_ids) -> None:
    """After commit: the cached inventories of all ``user_ids`` are stale (batch grants)."""
    keys = [cache_key(SERVICE, "inventory-gen", user_id) for user_id in user_ids]
    if keys:
        invalidate(*keys)

"""Keeps ``Cosmetic.owned_by_count`` equal to the inventory rows when rows go away through a
cascade (a user's deletion), which bypasses the services. Services never delete inventory rows."""

from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver

from cosmetics import cache
from cosmetics.models import Cosmetic, InventoryItem


@receiver(post_delete, sender=InventoryItem, dispatch_uid="cosmetics_inventory_item_deleted")
def inventory_item_deleted(sender, instance: InventoryItem, **kwargs):
    Cosmetic.objects.filter(pk=instance.cosmetic_id, owned_by_count__gt=0).update(
        owned_by_count=F("owned_by_count") - 1
    )
    cache.invalidate_shop()
    cache.invalidate_inventory(instance.user_id)

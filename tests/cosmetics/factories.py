import factory

from cosmetics.models import Cosmetic, CosmeticType, Rarity


class CosmeticFactory(factory.django.DjangoModelFactory):
    """A cosmetic on sale for 100 coins (no premium price) unless told otherwise."""

    class Meta:
        model = Cosmetic

    slug = factory.Sequence(lambda n: f"cosmetic-{n}")
    name = factory.Sequence(lambda n: f"Cosmetic {n}")
    type = CosmeticType.SKIN
    rarity = Rarity.COMMON
    price_coins = 100
    price_premium = None
    image_url = factory.LazyAttribute(lambda o: f"https://assets.example.com/{o.slug}.png")

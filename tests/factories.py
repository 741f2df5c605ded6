import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User
from profiles.models import Profile

TEST_PASSWORD = "Correct-Horse-42!"
_hash_cache: dict[str, str] = {}


def fast_password_hash(password: str = TEST_PASSWORD) -> str:
    """bcrypt once per process and reuse: cost 12 is deliberately slow."""
    if password not in _hash_cache:
        _hash_cache[password] = make_password(password)
    return _hash_cache[password]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"player{n}@example.com")
    password = factory.LazyFunction(fast_password_hash)
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory, profile=None)
    display_name = factory.Sequence(lambda n: f"Player{n:04d}")

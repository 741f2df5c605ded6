"""accounts.User: UUID keys, email unique whatever its case — in the database itself."""

import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from accounts.models import User


@pytest.mark.django_db
def test_user_has_uuid_pk_and_email_login():
    user = User.objects.create_user(email="  Mixed@Example.COM ", password="x-Long-enough-1")
    assert isinstance(user.pk, uuid.UUID)
    assert user.email == "mixed@example.com"
    assert get_user_model().USERNAME_FIELD == "email"
    assert user.is_active and not user.is_staff and user.date_joined


@pytest.mark.django_db
def test_database_refuses_same_email_in_other_case_even_bypassing_python():
    User.objects.create_user(email="case@example.com", password="x-Long-enough-1")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (id, password, email, is_staff, is_active, is_superuser, date_joined)"
            " VALUES (%s, '', 'CASE@Example.com', false, true, false, now())",
            [str(uuid.uuid4())],
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_inserts_differing_in_case_one_wins():
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def insert(email: str):
        try:
            barrier.wait()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO accounts_user (id, password, email, is_staff, is_active, is_superuser,"
                    " date_joined) VALUES (%s, '', %s, false, true, false, now())",
                    [str(uuid.uuid4()), email],
                )
            outcomes.append("ok")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=insert, args=(e,)) for e in ("race@example.com", "RACE@example.com")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert User.objects.filter(email__iexact="race@example.com").count() == 1


@pytest.mark.django_db
def test_createsuperuser_works_with_email(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "An-admin-pass-99")
    call_command("createsuperuser", "--noinput", "--email", "Admin@Example.com")
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff and admin.is_superuser and admin.check_password("An-admin-pass-99")


@pytest.mark.django_db
def test_user_admin_pages_render(client):
    admin = User.objects.create_superuser(email="root@example.com", password="An-admin-pass-99")
    client.force_login(admin)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{admin.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200

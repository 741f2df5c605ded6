"""``manage.py grant_currency --email E --coins N --premium N --reason TEXT`` (ledger-recorded)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User, normalize_email
from core.errors import ApplicationError
from cosmetics.models import Currency
from cosmetics.services import wallet_change


class Command(BaseCommand):
    help = (
        "Add (or, with negative numbers, remove) coins and/or premium currency for one user. "
        "Each change is a ledger row; a change that would make a balance negative is refused "
        "and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--coins", type=int, default=0)
        parser.add_argument("--premium", type=int, default=0)
        parser.add_argument("--reason", required=True, help="Why (kept in the ledger).")
        parser.add_argument("--reference", default="", help="Ticket or order id (optional).")

    def handle(self, *args, email, coins, premium, reason, reference, **options):
        if not reason.strip():
            raise CommandError("--reason must not be empty.")
        if not coins and not premium:
            raise CommandError("Give a non-zero --coins and/or --premium.")
        user = User.objects.filter(email__iexact=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        try:
            with transaction.atomic():
                entries = [
                    wallet_change(
                        user=user,
                        currency=currency,
                        amount=amount,
                        reason=reason,
                        reference=reference or "grant_currency",
                    )
                    for currency, amount in ((Currency.COINS, coins), (Currency.PREMIUM, premium))
                    if amount
                ]
        except ApplicationError as exc:
            raise CommandError(f"Refused: {exc.message} Nothing was changed.")
        for entry in entries:
            self.stdout.write(
                f"{user.email}: {entry.amount:+d} {entry.currency} → balance {entry.balance_after}"
            )

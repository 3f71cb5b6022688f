"""Print the two-factor enrolment link of a staff account that has no second factor yet.

For operators: the first superuser (made with ``createsuperuser``) has nobody to
send them a link, so whoever runs the server prints it. The link works only after
signing in as that account, for ``ACCOUNTS_STAFF_ENROLMENT_SECONDS``.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import TwoFactorError
from accounts.two_factor import staff_enrolment_link


class Command(BaseCommand):
    help = "Print the link with which a staff account turns on two-factor authentication."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No account is called {username!r}.")
        try:
            self.stdout.write(staff_enrolment_link(user=user))
        except TwoFactorError as error:
            raise CommandError(error.detail) from None

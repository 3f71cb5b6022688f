"""Email backend for development."""

from django.core.mail.backends import console


class ReadableConsoleBackend(console.EmailBackend):
    """Print each email's headers and decoded text, so links can be copied from the console.

    Django's console backend prints the encoded message, where quoted-printable
    line wrapping breaks long links (a password-reset link, say).
    """

    def write_message(self, message):
        headers = message.message()
        for name in ("Subject", "From", "To", "Date"):
            self.stream.write(f"{name}: {headers[name]}\n")
        self.stream.write(f"\n{message.body}\n{'-' * 79}\n")

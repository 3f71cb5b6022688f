"""Encryption at rest with cryptography's MultiFernet, keys from ``PORTAL_ENCRYPTION_KEYS``.

One place loads the keys for everything the portal encrypts: data-rights files
(``rights_requests.files``) and the model fields the personal-data registry marks
sensitive (``EncryptedCharField``, ``EncryptedDateField``). The first key
encrypts; every key decrypts, so keys can be rotated: add a new key first,
run ``manage.py rotate_encryption_keys``, then drop the old key.

Encrypted fields store a Fernet token (AES-128-CBC with HMAC-SHA256, a random
IV: the same value never encrypts the same way twice) in a ``text`` column, so
the database cannot compare or search them: filter in Python after reading.
Only the ``isnull`` lookup remains.
"""

import base64
import datetime
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction


class KeyMissing(InvalidToken):
    """A value in the database that no configured key decrypts: this process lacks a newer key.

    Raised by encrypted fields on reading; the portal answers 503 (``learnerportal.api.views.server_error``)
    and ``/healthz`` fails, so the process is taken out of service rather than answering 500s.
    """


def encryption_keys():
    """Return the configured Fernet keys, newest (encrypting) first.

    Raises:
        ImproperlyConfigured: no key is configured, or a key is not a Fernet key.
    """
    keys = list(settings.ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("Set PORTAL_ENCRYPTION_KEYS (comma-separated Fernet keys) to encrypt data at rest.")
    try:
        return [Fernet(key) for key in keys]
    except ValueError:
        raise ImproperlyConfigured("PORTAL_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from None


def check_development_key(app_configs=None, **kwargs):
    """Warn when data is encrypted with ``settings.DEVELOPMENT_ENCRYPTION_KEY`` while debugging.

    That key is published with the code; with ``DJANGO_DEBUG`` on and no
    ``PORTAL_ENCRYPTION_KEYS`` the settings fall back to it, so that development
    works (``manage.py runserver`` shows this warning as it starts).
    """
    if not settings.DEBUG or settings.ENCRYPTION_KEYS[:1] != [settings.DEVELOPMENT_ENCRYPTION_KEY]:
        return []
    return [
        checks.Warning(
            "Encrypting data at rest with the development key, which is published with the code.",
            hint="Fine for development with demo data; for anything else set PORTAL_ENCRYPTION_KEYS (make a key "
            "with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())').",
            id="learnerportal.W001",
        )
    ]


def multi_fernet():
    """Return a ``MultiFernet`` over ``encryption_keys()`` (the first encrypts, any decrypts)."""
    return MultiFernet(encryption_keys())


def primary_fernet():
    """Return the ``Fernet`` of the encrypting key alone (to tell whether a token is current)."""
    return encryption_keys()[0]


def derived_keys(purpose: bytes) -> list[bytes]:
    """Return one 32-byte key per configured key, newest first, for ``purpose`` alone (HKDF-SHA256, RFC 5869).

    For keyed hashes that must follow key rotation as the encrypted data does (the erasure
    scan's search tokens): a derived key reveals nothing of the Fernet key it comes from,
    and keys derived for different purposes are unrelated.

    Raises:
        ImproperlyConfigured: as ``encryption_keys``.
    """
    encryption_keys()  # validates
    return [
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(base64.urlsafe_b64decode(key))
        for key in settings.ENCRYPTION_KEYS
    ]


def encrypt_text(value: str) -> str:
    """Return ``value`` encrypted with the first key, as a URL-safe base64 Fernet token."""
    return multi_fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    """Return the plain text of a token made by ``encrypt_text`` with any configured key.

    Raises:
        cryptography.fernet.InvalidToken: no configured key decrypts it, or it was altered.
    """
    return multi_fernet().decrypt(token.encode()).decode()


def token_is_current(token: str) -> bool:
    """Return whether ``token`` is already encrypted with the first key (nothing to rotate)."""
    try:
        primary_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


class EncryptedFieldMixin:
    """Store the field's value as a Fernet token in a ``text`` column; "" and NULL stay as they are."""

    #: Lookups that still mean something on ciphertext.
    ALLOWED_LOOKUPS = frozenset({"isnull"})

    def db_type(self, connection):
        return "text"

    def rel_db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    def to_plain(self, value):
        """Return the value as text to encrypt (subclasses convert, e.g. a date)."""
        return str(value)

    def from_plain(self, text):
        """Return the Python value of decrypted text (subclasses convert, e.g. to a date)."""
        return text

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(self.to_plain(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        try:
            return self.from_plain(decrypt_text(value))
        except InvalidToken:
            # The column's name only: never the value.
            raise KeyMissing(
                f"{self.model._meta.db_table}.{self.column} holds a value no key of PORTAL_ENCRYPTION_KEYS decrypts: "
                "this process lacks the current key (restart it with the keys the other processes use)."
            ) from None

    def get_lookup(self, lookup_name):
        # SECURITY: a lookup on ciphertext would silently match nothing; refuse it loudly.
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise NotImplementedError(f"{self.name} is encrypted: filter on it in Python, not in SQL.")
        return super().get_lookup(lookup_name)


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A ``CharField`` encrypted at rest; ``max_length`` bounds the plain text (validation), not the column."""

    def get_db_prep_value(self, value, connection, prepared=False):
        if value == "":
            return ""
        return super().get_db_prep_value(value, connection, prepared)


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    """A ``DateField`` encrypted at rest (the ISO 8601 date is encrypted)."""

    def to_plain(self, value):
        return value.isoformat()

    def from_plain(self, text):
        return datetime.date.fromisoformat(text)


class EncryptedJSONField(EncryptedFieldMixin, models.JSONField):
    """A ``JSONField`` encrypted at rest: the JSON text is one Fernet token in a ``text`` column.

    For values that may hold a sensitive field's value, such as a rectification
    request's proposed phone number. The database cannot look inside: key and
    path lookups (``details__changes``) are refused like any other lookup.
    """

    def to_plain(self, value):
        return json.dumps(value, cls=self.encoder)

    def from_plain(self, text):
        return json.loads(text, cls=self.decoder)

    def get_transform(self, name):
        raise NotImplementedError(f"{self.name} is encrypted: read it in Python, not in SQL.")


def encrypted_columns():
    """Return ``[(model, field)]`` for every encrypted field of every installed model."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedFieldMixin)
    ]


def rotate_column(model, field, *, batch_size=500, after_pk=None):
    """Re-encrypt one batch of ``model.field`` with the first key, in one transaction.

    Rows already encrypted with the first key are left alone, so a rotation that
    was interrupted continues where it stopped when run again. Rows are locked
    while re-encrypted, so a concurrent save is not lost.

    Args:
        model, field: from ``encrypted_columns()``.
        batch_size: rows read per batch (int > 0).
        after_pk: the last primary key of the previous batch, or None to start.

    Returns:
        ``(last_pk, rotated, seen)``: the last primary key read (None when the
        column is done), rows re-encrypted, rows read.

    Raises:
        cryptography.fernet.InvalidToken: a value no configured key decrypts (the
            batch is rolled back; add the missing key and run again).
    """
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    where = f"WHERE {pk} > %s " if after_pk is not None else ""
    params = [after_pk] if after_pk is not None else []
    fernet = multi_fernet()
    primary = primary_fernet()
    rotated = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s FOR UPDATE",  # noqa: S608 - quoted names
            [*params, batch_size],
        )
        rows = cursor.fetchall()
        for row_pk, token in rows:
            if not token:
                continue
            try:
                primary.decrypt(token.encode())
                continue  # already current
            except InvalidToken:
                pass
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608 - quoted names
                [fernet.rotate(token.encode()).decode(), row_pk],
            )
            rotated += 1
    return (rows[-1][0] if rows else None), rotated, len(rows)


#: Rows a data migration rewrites per transaction: short row locks, never a long table lock.
MIGRATION_BATCH_SIZE = 1000


def rewrite_in_batches(connection, *, table, columns, rewrite, where=""):
    """Rewrite ``columns`` of each row of ``table`` as ``rewrite(values)`` says, one short transaction per batch.

    For data migrations over big tables (run them in a migration with ``atomic = False``):
    each batch of ``MIGRATION_BATCH_SIZE`` rows, in primary-key order, is read ``FOR UPDATE``
    and written in its own transaction, so other sessions wait for a few rows at most,
    and an interrupted run keeps the batches done. ``rewrite`` must leave values already
    rewritten as they are, so that running again continues where it stopped.

    Args:
        connection: the migration's ``schema_editor.connection``.
        table: the table's name (a constant of the migration).
        columns: the column names to read and write (constants).
        rewrite: ``(tuple of values) -> tuple of values``; rows it returns unchanged are not written.
        where: an extra SQL condition choosing rows (a constant, no parameters), or "".

    Returns:
        int: rows written.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    last_pk, written = None, 0
    while True:
        conditions = [f"({where})"] if where else []
        if last_pk is not None:
            conditions.append("id > %s")
        where_clause = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {names} FROM {quote(table)} {where_clause}ORDER BY id LIMIT %s FOR UPDATE",  # noqa: S608
                [*([last_pk] if last_pk is not None else []), MIGRATION_BATCH_SIZE],
            )
            rows = cursor.fetchall()
            for pk, *values in rows:
                new_values = tuple(rewrite(tuple(values)))
                if new_values != tuple(values):
                    cursor.execute(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", [*new_values, pk])  # noqa: S608
                    written += 1
        if len(rows) < MIGRATION_BATCH_SIZE:
            return written
        last_pk = rows[-1][0]


def stored_data_readable_check():
    """Decrypt the newest non-empty value of every encrypted column with this process's keys.

    A process started with an old ``PORTAL_ENCRYPTION_KEYS`` fails here before it fails a
    learner: ``/healthz`` reports it, and the task worker refuses to start.

    Raises:
        cryptography.fernet.InvalidToken: a key newer than this process's is in use.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, field in encrypted_columns():
            column, pk = quote(field.column), quote(model._meta.pk.column)
            cursor.execute(
                f"SELECT {column} FROM {quote(model._meta.db_table)} "  # noqa: S608 - quoted names
                f"WHERE {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} DESC LIMIT 1"
            )
            row = cursor.fetchone()
            if row is not None:
                decrypt_text(row[0])

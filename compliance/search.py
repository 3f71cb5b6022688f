"""Indexes that let the erasure receipt's scan reach free text in everyone's rows.

A free-text column (a bio, a staff note, a course's description) may name any learner, so
the scan searches it in every row. With two ``pg_trgm`` GIN indexes per column it reads only
the rows that may hold an identifier, however many rows there are:

- ``UPPER(column)``: the expression Django's ``icontains`` compares on PostgreSQL
  (``UPPER(col::text) LIKE UPPER('%noor%')``), for an email, a username or a name;
- ``Digits(column)``: the column's digits alone, for a phone number, which people write with
  spaces, dots or dashes anywhere ("+44 7700-900 456"): its digits stand together there.

Each model declares them in ``Meta.indexes`` with ``free_text_indexes``; the extension is
created by compliance's migration 0002, which every migration adding such an index follows.

Encrypted free text (a request's details) is ciphertext that no index can search. Beside it
a ``SearchTokensField`` holds a blind index: keyed hashes (HMAC-SHA256, truncated to 32 bits)
of the words and phone-like digit runs of the text, under a key derived from the encryption
key. The scan hashes each identifier's words the same way and decrypts only the rows whose
tokens hold all of them, plus rows whose tokens are missing. A database trigger empties the
tokens whenever the ciphertext changes without them (a raw ``UPDATE``, ``bulk_update``, key
rotation), so stale tokens never hide a row: they only cost a decryption until
``search_tokens_refresh`` writes them again.

What the tokens reveal without the key: how many distinct words a text has, and which rows
share a word (32-bit hashes also collide now and then, which costs a decryption, never a miss).
"""

import hashlib
import hmac
import json
import re
import secrets
from functools import lru_cache

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models, transaction
from django.db.models.functions import Upper

from learnerportal.encryption import EncryptedFieldMixin, derived_keys

from .registry import Redact

try:  # how re.IGNORECASE compares characters (CPython): simple lower case, plus a few extra equivalences
    from _sre import unicode_tolower as _simple_lower
    from re._casefix import _EXTRA_CASES
except ImportError:  # pragma: no cover - another Python; the case-folding test then says what to do
    _EXTRA_CASES = {}

    def _simple_lower(code):
        lower = chr(code).lower()
        return ord(lower) if len(lower) == 1 else code


#: PostgreSQL's index names are at most this long (Django refuses longer ones).
INDEX_NAME_MAX = 30


class Digits(models.Func):
    """The text's digits alone, in order: ``Digits("bio")`` of "+44 7700-900 456" is "447700900456"."""

    template = "regexp_replace(%(expressions)s, '[^0-9]', '', 'g')"
    output_field = models.TextField()


def free_text_indexes(prefix, *fields):
    """Return the trigram indexes the erasure scan uses on ``fields``, two per field.

    Args:
        prefix: a short name of the model's table, e.g. ``"acc_profile"``: index names are
            ``<prefix>_<first 10 letters of the field>_text`` and ``…_digits``.
        fields: names of the model's text fields declared free text in the registry.

    Returns:
        list of ``GinIndex`` for ``Meta.indexes``.

    Raises:
        ValueError: an index name would be too long for PostgreSQL, or two would be the same.
    """
    indexes = []
    for field in fields:
        for kind, expression in (("text", Upper(field)), ("digits", Digits(field))):
            name = f"{prefix}_{field[:10].rstrip('_')}_{kind}"
            if len(name) > INDEX_NAME_MAX or name in {index.name for index in indexes}:
                raise ValueError(f"Index name {name!r} is too long or taken twice: choose a shorter prefix.")
            indexes.append(GinIndex(OpClass(expression, name="gin_trgm_ops"), name=name))
    return indexes


# Blind index of encrypted free text

#: What people put between the digits of a phone number (``compliance.erasure.phone_pattern``).
PHONE_SEPARATORS = r"[\s\u00a0\u202f.()/‐‑‒–—-]"
#: The fewest digits a phone number's core may have to be searched for apart from its prefix.
PHONE_CORE_MIN_DIGITS = 6
#: The digit suffixes of a run that get a token: the cores of phone numbers of 4 to 24 digits.
PHONE_TOKEN_DIGITS = range(4, 25)
#: HKDF's ``info`` for the tokens' keys; change it only with a migration that empties every
#: ``SearchTokensField`` (the trigger's rule) and refreshes them.
SEARCH_TOKENS_PURPOSE = b"learnerportal erasure search tokens v1"

#: The characters ``re.IGNORECASE`` equates although one is a word character (``\w``) and one is
#: not: the Greek iota ("ι", "Ι", "ι") and the combining ypogegrammeni (U+0345). "Δημήτρ\u0345ος"
#: matches the pattern of "Δημήτριος" yet is two words by ``\w``; so a word ends at any of them,
#: in the text and in the identifier alike, and the identifier's words stay words of every text
#: its pattern finds.
CASE_BLIND_WORD_EDGES = "\u0345\u0399\u03b9\u1fbe"

_WORD = re.compile(rf"[^\W{CASE_BLIND_WORD_EDGES}]+")
#: What ``json.dumps(ensure_ascii=False)`` escapes: a quote, a backslash, a slash, control characters.
_JSON_ESCAPE = re.compile(r'\\(?:(["\\/])|[bfnrt]|u[0-9a-fA-F]{4})')
_DIGIT_RUN = re.compile(rf"\d(?:{PHONE_SEPARATORS}{{0,3}}\d)*")
_MARKER_TERM = "\x00key"


def phone_digits(phone):
    """Return the digits every writing of ``phone`` holds together once its other characters are gone.

    The core of ``compliance.erasure.phone_pattern`` (the number without its country code or
    national "0"), or all its digits when the core would be too short.
    """
    digits = re.sub(r"\D", "", phone)
    stripped = phone.strip()
    drop = 3 if stripped.startswith("+") else 5 if stripped.startswith("00") else 1 if stripped.startswith("0") else 0
    return digits[drop:] if len(digits) - drop >= PHONE_CORE_MIN_DIGITS else digits


def fold_case(text):
    """Return ``text`` with each character replaced by one representative of those ``re.IGNORECASE`` equates.

    Two words match case-insensitively, as the scan's patterns match, exactly when their
    folds are equal ("Zoë", "ZOË"; "ſ" and "s"; "K", the Kelvin sign, and "k").
    """
    folded = []
    for char in text:
        lower = _simple_lower(ord(char))
        folded.append(chr(min((lower, *_EXTRA_CASES.get(lower, ())))))
    return "".join(folded)


@lru_cache(maxsize=1)
def _case_classes():
    """Return ``{fold: chars}``: the characters of the Basic Multilingual Plane ``fold_case`` folds alike."""
    classes = {}
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:
            char = chr(code)
            classes.setdefault(fold_case(char), []).append(char)
    return classes


def _are_char(char):
    """Return ``char`` as a PostgreSQL regular expression (ARE) character-entry escape."""
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def caseless_pattern(text):
    """Return a PostgreSQL ARE finding ``text`` in ``UPPER(column)`` wherever ``re.IGNORECASE`` finds it in the column.

    PostgreSQL's ``UPPER``/``~*`` equate fewer letters than Python's patterns: not "İ" and
    "i" (Turkish capitals, "AYŞE DEMİR"), the Kelvin sign and "k", "ſ" and "s", "ẞ" and
    "ß". Each letter becomes the class of the letters ``fold_case`` equates with it and of
    the capitals Python writes for them ("[Iiİı]" for "i"): whether or not ``UPPER`` wrote
    the capital, which depends on the database's ``LC_CTYPE`` (with "C" it writes none
    beyond ASCII, and an older C library lacks newer capitals). pg_trgm compares trigrams
    in lower case, so the trigram index on ``UPPER(column)`` still answers the pattern.

    Returns:
        str: the pattern, every character written as an escape (``\\uXXXX``).
    """
    parts = []
    for char in text:
        same = _case_classes().get(fold_case(char), [char])
        letters = sorted({*same, *(other.upper() for other in same if len(other.upper()) == 1)})
        if len(letters) == 1:
            parts.append(_are_char(letters[0]))
        else:
            parts.append("[" + "".join(_are_char(letter) for letter in letters) + "]")
    return "".join(parts)


def text_terms(text):
    """Return the terms of ``text`` that get a token: its words, and the digit suffixes of its digit runs.

    Words are ``\\w+`` runs, case folded (``fold_case``) and cut at ``CASE_BLIND_WORD_EDGES``:
    an identifier's pattern finds it only as whole words. A digit run is digits with up to
    three ``PHONE_SEPARATORS`` between them ("+44 (0)7700-900 456"): a phone's core is always
    the end of such a run, so each suffix of ``PHONE_TOKEN_DIGITS`` digits is a term.

    Change these rules only with a migration that writes every row's tokens again
    (``search_tokens_refresh(..., every_row=True)``): tokens of the old terms would hide a row.

    Returns:
        set of str, words prefixed "w", digits "d".
    """
    terms = {f"w{fold_case(word)}" for word in _WORD.findall(text)}
    for run in _DIGIT_RUN.findall(text):
        digits = re.sub(r"\D", "", run)
        terms.update(f"d{digits[-length:]}" for length in PHONE_TOKEN_DIGITS if length <= len(digits))
    return terms


def identifier_terms(kind, value):
    """Return the terms every text the identifier's pattern finds must have (see ``text_terms``).

    Returns:
        set of str; None when the identifier has no such term (a phone core outside
        ``PHONE_TOKEN_DIGITS``, a value without a word): then every row must be read.
    """
    if kind == "phone":
        core = phone_digits(value)
        return {f"d{core}"} if len(core) in PHONE_TOKEN_DIGITS else None
    return {f"w{fold_case(word)}" for word in _WORD.findall(value)} or None


@lru_cache(maxsize=4)
def _hashers(keys):
    return [hmac.new(key, digestmod=hashlib.sha256) for key in derived_keys(SEARCH_TOKENS_PURPOSE)]


def _keyed_hashers():
    """Return one HMAC per configured key, newest first (cached per key list)."""
    return _hashers(tuple(settings.ENCRYPTION_KEYS))


def _token(hasher, term):
    digest = hasher.copy()
    digest.update(term.encode())
    return int.from_bytes(digest.digest()[:4], "big", signed=True)


def search_tokens(text):
    """Return the tokens ``SearchTokensField`` stores for ``text``, under the newest key.

    Returns:
        list of int (32-bit): the key's marker, a random stamp that tells the trigger the
        tokens were written with the text, then the terms' tokens, sorted.
    """
    hasher = _keyed_hashers()[0]
    stamp = secrets.randbits(32) - 2**31
    return [_token(hasher, _MARKER_TERM), stamp, *sorted({_token(hasher, term) for term in text_terms(text)})]


def searchable_text(field, plain):
    """Return an encrypted field's decrypted ``plain`` text as the scan searches it.

    JSON is searched as written without escapes (parsed only when it has some, so that "Zoë"
    is found as written); text an erasure redacted ("[erased learner]") is blanked, as in
    ``compliance.erasure._searchable``.
    """
    if not plain:
        return ""
    if isinstance(field, models.JSONField) and "\\" not in plain:
        return blank_placeholders(plain)
    return plain_text(field.from_plain(plain))


def plain_text(value):
    """Return a stored value as the scan searches it: text, or JSON without escapes; placeholders blanked.

    JSON's escapes are undone, control characters (a line break, a tab) written as a space:
    a note's second line "noor@example.org" is searched as written, not as "\\nnoor@example.org",
    where no pattern finds a whole word.
    Text an erasure redacted before ("[erased learner]") names nobody: blanking it keeps an
    identifier such as "learner" from finding every redacted note, again and again.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = _JSON_ESCAPE.sub(lambda escape: escape[1] or " ", json.dumps(value, ensure_ascii=False, default=str))
    return blank_placeholders(value)


def blank_placeholders(text):
    """Return ``text`` with ``Redact.placeholder`` replaced by a space."""
    return text.replace(Redact.placeholder, " ")


class SearchTokensField(ArrayField):
    """The blind index of an encrypted free-text field: ``search_tokens`` of its text, written on every save.

    NULL means "not indexed": the scan decrypts such a row. Declare beside it, in
    ``Meta``, ``search_tokens_indexes`` and ``search_tokens_trigger``, and give the model
    ``SearchTokensModel``'s ``save`` (``compliance.E018`` checks all three).

    Args:
        source: the name of the encrypted field it indexes.
    """

    def __init__(self, source, **kwargs):
        self.source = source
        kwargs.pop("base_field", None)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(models.IntegerField(), **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("base_field", None)
        for key, default in (("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, [self.source, *args], kwargs

    def pre_save(self, model_instance, add):
        source = model_instance._meta.get_field(self.source)
        tokens = self.tokens_of(getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, tokens)
        return tokens

    def tokens_of(self, value):
        """Return the tokens of ``value``, a value of the indexed field, for a write that sets both (an ``update``)."""
        source = self.model._meta.get_field(self.source)
        plain = source.to_plain(value) if value not in (None, "") else ""
        return search_tokens(searchable_text(source, plain))


def search_tokens_fields(model):
    """Return the model's ``SearchTokensField``s."""
    return [field for field in model._meta.concrete_fields if isinstance(field, SearchTokensField)]


class SearchTokensModel(models.Model):
    """A model with ``SearchTokensField``s: a save that writes an indexed field writes its tokens, and only then.

    ``save(update_fields=[...])`` naming the indexed field adds its tokens; a save of an
    instance whose indexed field was deferred leaves the tokens alone, as Django leaves the
    field itself (it would otherwise be read, and decrypted, to be hashed).
    """

    class Meta:
        abstract = True

    def save(self, **kwargs):
        fields = search_tokens_fields(type(self))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            kwargs["update_fields"] = names | {field.name for field in fields if field.source in names}
        elif not kwargs.get("force_insert") and not self._state.adding:
            deferred = self.get_deferred_fields()
            skipped = {field.attname for field in fields if self._meta.get_field(field.source).attname in deferred}
            if skipped:
                loaded = {field.attname for field in self._meta.concrete_fields if not field.primary_key}
                kwargs["update_fields"] = loaded - deferred - skipped
        super().save(**kwargs)


def search_tokens_indexes(prefix, name):
    """Return the indexes the scan reads tokens through: GIN for their values, a partial one for NULL.

    Args:
        prefix: a short name of the table, as for ``free_text_indexes``.
        name: the ``SearchTokensField``'s name.
    """
    return [
        GinIndex(fields=[name], name=f"{prefix}_{name[:10]}_tok"),
        models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": True}), name=f"{prefix}_{name[:10]}_nul"),
    ]


def search_tokens_trigger(name, source, *, prefix):
    """Return the trigger that empties the tokens ``name`` when ``source`` changes without them.

    A write that changes the ciphertext and leaves the tokens as they were (a raw
    ``UPDATE``, ``bulk_update``, key rotation) would otherwise leave tokens of the old text;
    ``search_tokens`` writes a new random stamp each time, so tokens written with the text
    always differ from the old ones.
    """
    return pgtrigger.Trigger(
        name=f"{prefix}_{name[:10]}_stale",
        operation=pgtrigger.Update,
        when=pgtrigger.Before,
        condition=pgtrigger.Condition(
            f'OLD."{source}" IS DISTINCT FROM NEW."{source}" AND OLD."{name}" IS NOT DISTINCT FROM NEW."{name}"'
        ),
        func=f'NEW."{name}" := NULL; RETURN NEW;',
    )


def search_tokens_candidates(model, identifiers):
    """Return the rows of ``model`` whose encrypted free text may hold one of ``identifiers``.

    Rows whose tokens hold every term of an identifier (``identifier_terms``) under one of
    the configured keys, and rows without tokens. Read through ``search_tokens_indexes``.

    Returns:
        ``models.Q``; every row when an identifier has no term.
    """
    wanted = models.Q()
    for field in search_tokens_fields(model):
        wanted |= models.Q(**{f"{field.name}__isnull": True})
        for kind, value in identifiers.items():
            terms = identifier_terms(kind, value)
            if terms is None:
                return models.Q()
            for hasher in _keyed_hashers():
                tokens = sorted({_token(hasher, term) for term in terms})
                wanted |= models.Q(**{f"{field.name}__contains": tokens})
    return wanted


def search_tokens_refresh(model, *, batch_size=500, every_row=False):
    """Write the tokens of every row of ``model`` that has none or has them under an older key.

    After a migration adding a ``SearchTokensField``, and after key rotation. Resumable: a
    batch per transaction, rows locked while written. ``every_row`` writes them in every
    row: after a change of the terms (``text_terms``), in a migration, as tokens of the
    old terms would hide a row.

    Returns:
        int: rows written.

    Raises:
        learnerportal.encryption.KeyMissing: a value no configured key decrypts.
    """
    written = 0
    marker = _token(_keyed_hashers()[0], _MARKER_TERM)
    for field in search_tokens_fields(model):
        stale = models.Q(**{f"{field.name}__isnull": True}) | ~models.Q(**{f"{field.name}__contains": [marker]})
        if every_row:
            stale = models.Q()
        last_pk = None
        while True:
            with transaction.atomic():
                rows = model._base_manager.filter(stale).order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.select_for_update(of=("self",)).only("pk", field.source)[:batch_size])
                for row in batch:
                    model._base_manager.filter(pk=row.pk).update(**{field.name: field.pre_save(row, False)})
                written += len(batch)
            if len(batch) < batch_size:
                break
            last_pk = batch[-1].pk
    return written


def encrypted_free_text_without_tokens(model, free_text_names):
    """Return the names of ``model``'s encrypted fields in ``free_text_names`` no ``SearchTokensField`` indexes."""
    indexed = {field.source for field in search_tokens_fields(model)}
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedFieldMixin) and field.name in free_text_names and field.name not in indexed
    ]

"""The personal-data registry: what the portal stores about a data subject, and why.

Every app that stores personal data declares each model in ``<app>/personal_data.py``
and registers the declarations in ``AppConfig.ready()``. Access reports, portability
exports, erasure, the privacy notice and the record of processing activities
(GDPR Art. 30) are all generated from these declarations, so they cannot drift apart.
``compliance.checks`` makes ``manage.py check`` fail when a model that references the
user is not declared, or when a declared model has a field nobody classified.

The declarations' sentences for the learner (descriptions, retention, sources, recipients,
legal reasons) are, in every app, English marked with ``gettext_noop`` — never a lazy
translation: they stay plain strings that checks and staff pages compare and reword, and
whatever shows one to a learner translates it with ``registry_text`` (the notice, the access
report, the portable copy's data dictionary). A sentence with a number from the settings is a
``Worded``: the marked English with its values, filled in after translation. Category, purpose
and lawful-basis labels are lazy translations (choices' labels, as Django's).

Modelled on Moodle's privacy providers (``core_privacy``) and their coverage test.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Categories of personal data, as shown to the data subject (GDPR Art. 15(1)(b))."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    EDUCATION = "education", _("Education and learning")
    USAGE = "usage", _("Usage and activity")
    FINANCIAL = "financial", _("Payments")
    SECURITY = "security", _("Security and sign-in")
    PREFERENCE = "preference", _("Preferences and choices")


class LawfulBasis(models.TextChoices):
    """Lawful bases for processing (GDPR Art. 6(1)(a)–(f))."""

    CONSENT = "a", _("Consent — GDPR Art. 6(1)(a)")
    CONTRACT = "b", _("Performance of a contract — GDPR Art. 6(1)(b)")
    LEGAL_OBLIGATION = "c", _("Legal obligation — GDPR Art. 6(1)(c)")
    VITAL_INTERESTS = "d", _("Vital interests — GDPR Art. 6(1)(d)")
    PUBLIC_TASK = "e", _("Public task — GDPR Art. 6(1)(e)")
    LEGITIMATE_INTERESTS = "f", _("Legitimate interests — GDPR Art. 6(1)(f)")


class Purpose(models.TextChoices):
    """Purposes for which the portal processes personal data (GDPR Art. 5(1)(b), 13(1)(c))."""

    ACCOUNT = "account", _("Run your account")
    COURSE_DELIVERY = "course_delivery", _("Deliver your courses, track progress and award grades")
    PROFILE_SHARING = "profile_sharing", _("Show your profile to the audiences you choose")
    BILLING = "billing", _("Take your payments for courses")
    BOOKKEEPING = "bookkeeping", _("Keep the accounting records tax law requires")
    SECURITY = "security", _("Keep your account and the platform secure")
    CHILD_PROTECTION = (
        "child_protection",
        _("Apply the protections for learners under the digital age of consent (GDPR Art. 8)"),
    )
    ACCOUNTABILITY = (
        "accountability",
        _("Show that your data is handled lawfully, and answer your data-rights requests"),
    )
    MARKETING_EMAIL = "marketing_email", _("Send you news about courses by email")
    PERSONALIZATION = "personalization", _("Recommend courses based on your learning")
    RESEARCH = "research", _("Research on learning, with aggregated and de-identified data")
    PARTNER_SHARING = "partner_sharing", _("Share your progress with the partner running your course")


#: The optional purposes' short names, as a consent history lists them ("marketing email: on").
PURPOSE_SHORT_NAMES = {
    Purpose.MARKETING_EMAIL: _("marketing email"),
    Purpose.PERSONALIZATION: _("personalization"),
    Purpose.RESEARCH: _("research"),
    Purpose.PARTNER_SHARING: _("partner sharing"),
}


@dataclass(frozen=True)
class Processing:
    """One purpose a model's data is used for, with the lawful basis that allows it."""

    purpose: Purpose
    lawful_basis: LawfulBasis


@dataclass(frozen=True)
class PersonalField:
    """A model field that holds personal data.

    Attributes:
        category: the category shown to the data subject.
        description: plain words for the learner, e.g. "Your date of birth".
        exportable: False for data that must never leave the system, such as a
            password hash (still declared, still erased).
        sensitive: True for data whose leak would harm the learner most (phone,
            date of birth): it must be stored encrypted at rest (``manage.py check``
            enforces it, GDPR Art. 32(1)(a)).
        sensitive_personal_information: True for what the CPRA calls sensitive personal
            information (Cal. Civ. Code §1798.140(ae)): here the account's sign-in credentials
            (password hash, authenticator secret, backup-code and token fingerprints). A learner
            who limits its use (§1798.121) stops every optional purpose such a field serves
            (``privacy.selectors.may_process``, ``purposes_of_sensitive_information``).
            Independent of ``sensitive`` (encryption at rest).
        purposes: the only purposes of its model's ``processing`` this field serves,
            when it serves fewer than the rest (a phone number runs the account, it is
            not shown or researched); empty for all of them. The notice says so (GDPR
            Art. 13(1)(c)); ``manage.py check`` refuses a purpose the model lacks.
        free_text: True for text that a person or a client writes freely (a staff
            note, a reason, a bio, a browser's User-Agent): it may name the data
            subject, or anyone. Every ``TextField`` of a declared model must be
            declared so, and a row kept after erasure must replace it or
            ``Redact`` it (``manage.py check``, compliance.E009/E010).
        export_as: a function of the stored value giving what access reports and
            portable copies hold instead, when the stored value may be someone
            else's data (a failed sign-in's full IP address becomes its network):
            the copy must not adversely affect the rights of others (GDPR
            Art. 15(4), 20(4)). None gives the value as stored; the function is
            never given None.
        recipients: the only recipients of its model's ``recipients`` who receive this
            field, when fewer do (a phone number is never shown to other learners);
            empty for all of them. The notice and the access report say so (GDPR
            Art. 13(1)(e), 15(1)(c)); ``manage.py check`` refuses a recipient the
            model lacks.
        in_words: a function of the row (an unsaved instance holding the values the
            access report shows of the field's category) giving what the report shows
            for this field, in the words the learner reads in the portal (an audit
            event's changes as its account-activity sentence); None shows the value.
            Portable copies keep the value (GDPR Art. 20(1): machine-readable).
        portable: False for system bookkeeping that access reports show but a
            portable copy leaves out (a replay counter, a throttling timestamp, a
            column only erasure fills): neither provided by the learner nor of use
            to another service (GDPR Art. 20(1)). Only ``exportable`` fields can be.
        export_name: the field's column in a portable copy, snake_case, when the
            field's own name would not say what the column holds (``"network"`` for
            an IP address given as its network); "" for the field's name.
        format: how a portable copy writes the value, when its type does not say
            it (``"ISO 4217 currency code"``); "" to derive it from the model field.
        unit: what a number counts or measures, e.g. ``"percent"``, ``"bytes"``;
            "" for none.
    """

    category: Category
    description: str
    exportable: bool = True
    sensitive: bool = False
    sensitive_personal_information: bool = False
    purposes: tuple[Purpose, ...] = ()
    free_text: bool = False
    export_as: Callable[[Any], Any] | None = None
    recipients: tuple[str, ...] = ()
    in_words: Callable[[models.Model], str] | None = None
    portable: bool = True
    export_name: str = ""
    format: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Redact:
    """Replacement for free text kept after erasure: the text, with the subject's identifiers replaced.

    The record of what was done stays ("Extended: [erased learner] sent 300 files"); the
    email, username, full name and phone the account had do not (GDPR Art. 17(1), 5(2)).
    Used as a value in ``Anonymize.replacements`` or ``Retain.strip``; JSON values are
    redacted in every string they hold.
    """

    #: What stands in the text where an identifier was.
    placeholder = "[erased learner]"


@dataclass(frozen=True)
class Delete:
    """Erasure rule: delete the subject's rows (GDPR Art. 17(1))."""

    #: What erasure does, for the privacy officer (``outcome``) and the learner (``in_the_notice``).
    outcome = pgettext_lazy("erasure outcome", "Deleted")

    def detail(self, model=None):
        """Return what the officer is told beyond ``outcome``: nothing more for a deletion."""
        return ""

    def in_the_notice(self):
        """Return what erasure does to these records, in the learner's words (privacy notice)."""
        return gettext("Deleted.")


@dataclass(frozen=True)
class Anonymize:
    """Erasure rule: keep the row, replace the named fields.

    Attributes:
        replacements: field name → replacement value, or a callable taking the
            instance and returning the value (e.g. a random placeholder username).
    """

    replacements: Mapping[str, Any | Callable[[models.Model], Any]]

    outcome = pgettext_lazy("erasure outcome", "Anonymised")

    def detail(self, model=None):
        """Return the fields erasure replaces, for the privacy officer, by ``model``'s names for them when given."""
        return _replaced(self.replacements, gettext_noop("Replaced: %(fields)s"), model) + "."

    def in_the_notice(self):
        """Return what erasure does to these records, in the learner's words (privacy notice)."""
        return gettext("Kept without anything that identifies you.")


@dataclass(frozen=True)
class Retain:
    """Erasure rule: keep the rows because the law requires it (GDPR Art. 17(3)(b), (e)).

    Attributes:
        reason: the legal reason, shown to the learner and on the erasure receipt.
        strip: fields stripped of identity on erasure, as in ``Anonymize.replacements``.
    """

    reason: str
    strip: Mapping[str, Any | Callable[[models.Model], Any]] = field(default_factory=dict)

    outcome = pgettext_lazy("erasure outcome", "Retained")

    def detail(self, model=None):
        """Return the legal reason and the fields erasure replaces (identity stripped, a time set), for the officer.

        In staff's words (``in_staff_words``); the fields are named as ``model`` names them ("last login"), when given.
        """
        reason = in_staff_words(self.reason)
        if not self.strip:
            return reason
        return reason + " " + _replaced(self.strip, gettext_noop("Replaced on erasure: %(fields)s"), model) + "."

    def in_the_notice(self):
        """Return what erasure does to these records, in the learner's words (privacy notice)."""
        return gettext("Kept: %(reason)s") % {"reason": registry_text(self.reason)}


ErasureRule = Delete | Anonymize | Retain


@dataclass(frozen=True)
class SharedText:
    """Free text in records about no data subject (the course catalogue, policies) that staff write.

    Anyone may write a learner's name there, so the erasure receipt's scan searches these
    columns in every row, through their trigram indexes (``compliance.search``), as it does
    the free text of declared models. Declaring them keeps ``manage.py check``
    (compliance.E016) from refusing a text column the scan would not know of.

    Attributes:
        model: the model class (one that references no user; those get a ``ModelDeclaration``).
        fields: the names of its text fields.
        written_by: who writes them, in plain words, e.g. "Course staff".
    """

    model: type[models.Model]
    fields: tuple[str, ...]
    written_by: str

    @property
    def label(self):
        """Return the model's label, e.g. ``"accounts.course"``."""
        return self.model._meta.label_lower


def _field_name(model, name):
    """Return field ``name`` of ``model`` as its verbose name ("last login"), or ``name`` without a model."""
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _replaced(replacements, message, model=None):
    """Return "Replaced: a, b; the learner's identifiers removed from: c" for the officer, ``Redact()`` fields apart.

    ``message`` is the first part's, with ``%(fields)s``; the sentence is in the active language.
    """
    redacted = [_field_name(model, name) for name, value in replacements.items() if isinstance(value, Redact)]
    replaced = [_field_name(model, name) for name, value in replacements.items() if not isinstance(value, Redact)]
    parts = [gettext(message) % {"fields": ", ".join(replaced)}] if replaced else []
    if redacted:
        parts.append(gettext("the learner's identifiers removed from: %(fields)s") % {"fields": ", ".join(redacted)})
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


class Worded(str):
    """A registry sentence with values from the settings: English, filled in, and its message kept apart.

    As a string it is the English sentence with its values (what checks and staff pages read);
    ``registry_text`` translates its message and fills the values in the reader's language.

    Example: ``Worded(gettext_noop("Deleted after {hours} hours"), hours=48)`` is "Deleted after 48 hours".
    """

    def __new__(cls, message, **values):
        worded = super().__new__(cls, message.format(**values))
        worded.message, worded.values = message, values
        return worded


def registry_text(text):
    """Return a registry sentence (``gettext_noop``-marked English, or a ``Worded``) in the active language."""
    if isinstance(text, Worded):
        return gettext(text.message).format(**text.values)
    return gettext(text)


def in_staff_words(text):
    """Return a phrase written for the learner in staff's words, in the active language.

    "Your payments" → "The learner's payments" ("Los pagos del estudiante"). Registry sentences and
    the audit log's phrases ("your account") are written for the learner; staff pages, the
    officer's audit log and the periodic report say them in the third person. The third person
    is made in English (keeping a capital where one was) and translated as a message of its own:
    each app marks its phrases' staff wordings for the catalogs (``STAFF_WORDING`` in its
    ``personal_data.py``); one no catalog translates stays English. A ``Worded`` is reworded in
    its message, its values filled in after translation.

    Returns:
        str ("" for "").
    """
    if isinstance(text, Worded):
        return gettext(_third_person(text.message)).format(**text.values)
    return gettext(_third_person(text)) if text else ""


def _third_person(phrase):
    """Return an English phrase for the learner in the third person: "your account" → "the learner's account"."""
    phrase = re.sub(r"\byou are\b", "the learner is", str(phrase))
    phrase = re.sub(r"\b([Yy])ours?\b", lambda match: "The learner's" if match[1] == "Y" else "the learner's", phrase)
    return re.sub(r"\b([Yy])ou\b", lambda match: "The learner" if match[1] == "Y" else "the learner", phrase)


# Phrases most declarations share, so the notice and reports say them the same way.
WHILE_ACCOUNT_EXISTS = gettext_noop("While your account exists; erased with it")
PRIVACY_STAFF = gettext_noop("Our support staff and privacy officer")
PRIVACY_OFFICER = gettext_noop("Our privacy officer")


@dataclass(frozen=True)
class ModelDeclaration:
    """What one model stores about a data subject, and how it is handled.

    Attributes:
        model: the model class.
        subject_lookup: ORM lookup from the model to the user it is about, e.g.
            ``"user"`` or ``"enrollment__user"``; ``""`` for the user model itself.
        subject_field: for a model that names its subject by a value instead of a
            relation (a login-attempt log keeps the username typed), the user
            attribute ``subject_lookup`` is compared with, e.g. ``"username"``.
        description: one sentence for the learner, e.g. "Your profile".
        fields: field name → ``PersonalField`` for every field holding personal data.
        other_fields: names of the remaining concrete fields (keys, timestamps of
            no meaning to the learner, references to shared catalogue data), listed
            so that a new field cannot go unclassified.
        processing: the purposes the data is used for, each with its lawful basis.
        retention: how long the data is kept, in plain words (GDPR Art. 13(2)(a)).
        recipients: who receives the data besides the learner (GDPR Art. 13(1)(e)).
        source: where the data comes from (GDPR Art. 14(2)(f), 15(1)(g)).
        erasure: ``Delete()``, ``Anonymize(...)`` or ``Retain(...)``.
        erasure_passes_trigger: the name of the model's append-only trigger (django-pgtrigger)
            that erasure alone may pass to apply its rule, e.g. ``"append_only"``; "" for none.
        listed_by: the declared date or time field that orders the rows in the access
            report, newest first, e.g. ``"occurred_at"``; "" lists the newest made first.
        export_name: the name of these records in a portable copy's files, snake_case,
            e.g. ``"enrollments"`` for ``enrollments.csv``; "" for the model's plural name.
    """

    model: type[models.Model]
    subject_lookup: str
    description: str
    fields: Mapping[str, PersonalField]
    other_fields: tuple[str, ...]
    processing: tuple[Processing, ...]
    retention: str
    recipients: tuple[str, ...]
    source: str
    erasure: ErasureRule
    subject_field: str = ""
    erasure_passes_trigger: str = ""
    listed_by: str = ""
    export_name: str = ""

    @property
    def label(self):
        """Return the model's label, e.g. ``"accounts.profile"``."""
        return self.model._meta.label_lower

    @property
    def records_name(self):
        """Return the name of these records in a portable copy's files, e.g. ``"enrollments"``."""
        return self.export_name or re.sub(r"\W+", "_", str(self.model._meta.verbose_name_plural).lower()).strip("_")

    def column_name(self, name):
        """Return the column of the declared field ``name`` in a portable copy, e.g. ``"network"``."""
        return self.fields[name].export_name or name

    @property
    def categories(self):
        """Return the categories of the declared fields, in declaration order, without repeats."""
        return list(dict.fromkeys(personal.category for personal in self.fields.values()))

    @property
    def file_fields(self):
        """Return the names of the declared fields that hold a stored file's name (``FileField``, ``ImageField``)."""
        return [name for name in self.fields if isinstance(self.model._meta.get_field(name), models.FileField)]

    def queryset_for(self, subject):
        """Return the rows of this model about ``subject`` (a user instance)."""
        if not self.subject_lookup:
            return self.model._default_manager.filter(pk=subject.pk)
        value = getattr(subject, self.subject_field) if self.subject_field else subject
        return self.model._default_manager.filter(**{self.subject_lookup: value})


class PersonalDataRegistry:
    """The declarations of all apps, keyed by model label, in registration order."""

    def __init__(self):
        self._declarations: dict[str, ModelDeclaration] = {}
        self._shared_text: dict[str, SharedText] = {}

    def register(self, declaration):
        """Add one declaration; registering the very same declaration again changes nothing.

        Raises:
            ImproperlyConfigured: if the model is already declared differently.
        """
        if self._declarations.get(declaration.label) is declaration:
            return
        if declaration.label in self._declarations:
            raise ImproperlyConfigured(f"{declaration.label} is declared twice in the personal-data registry.")
        self._declarations[declaration.label] = declaration

    def register_all(self, declarations: Iterable[ModelDeclaration]):
        """Add several declarations; see ``register``."""
        for declaration in declarations:
            self.register(declaration)

    def register_shared_text(self, shared: Iterable[SharedText]):
        """Add declarations of text in records about no one; registering the very same one again changes nothing.

        Raises:
            ImproperlyConfigured: if the model is already declared, here or as a ``ModelDeclaration``.
        """
        for text in shared:
            if self._shared_text.get(text.label) is text:
                continue
            if text.label in self._shared_text or text.label in self._declarations:
                raise ImproperlyConfigured(f"{text.label} is declared twice in the personal-data registry.")
            self._shared_text[text.label] = text

    def shared_text(self) -> list[SharedText]:
        """Return the declarations of text in records about no one, in registration order."""
        return list(self._shared_text.values())

    def unregister(self, model):
        """Remove and return the declaration of ``model`` (a ``ModelDeclaration`` or ``SharedText``).

        Raises:
            KeyError: if the model is not declared.
        """
        label = model._meta.label_lower
        return self._shared_text.pop(label) if label in self._shared_text else self._declarations.pop(label)

    def get(self, model) -> ModelDeclaration | None:
        """Return the declaration of ``model``, or None."""
        return self._declarations.get(model._meta.label_lower)

    def __contains__(self, model):
        return model._meta.label_lower in self._declarations

    def __iter__(self) -> Iterator[ModelDeclaration]:
        return iter(list(self._declarations.values()))

    def __len__(self):
        return len(self._declarations)


registry = PersonalDataRegistry()


def purposes_of_sensitive_information():
    """Return the purposes that use sensitive personal information (Cal. Civ. Code §1798.140(ae)), by the registry.

    A field marked ``sensitive_personal_information`` serves its own ``purposes`` when it has
    them, else its model's. A learner's limit on the use of such information (§1798.121,
    11 CCR §7027) stops the optional ones among these for them.

    Returns:
        frozenset of ``Purpose`` values.
    """
    purposes = set()
    for declaration in registry:
        for personal in declaration.fields.values():
            if personal.sensitive_personal_information:
                served = personal.purposes or tuple(p.purpose for p in declaration.processing)
                purposes.update(Purpose(purpose).value for purpose in served)
    return frozenset(purposes)

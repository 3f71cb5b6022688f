"""The data-protection regimes the portal applies, as data: which rights, which deadlines, where to complain.

One table (``REGIMES``) holds, per regime, the rights it gives (by request type, with
their legal names and citations), the deadline to answer and the extension the law
allows, and the authority a refusal names. Everything that differs by a learner's
law reads it from here: the request's deadline (``rights_requests.deadlines``), the
Your data tab, the privacy notice, refusals. Which regime applies to a learner
follows their country (and, in the United States, their state): ``regime_for_place``;
staff may record another on the profile (``accounts``).

A right names a request type by its key; a type whose handler is not registered is
simply not offered (``rights_requests`` filters the rights by its registry).

Sources: GDPR (Regulation (EU) 2016/679) Art. 12(3), 15–21, 77; UK GDPR and Data
Protection Act 2018; Cal. Civ. Code §1798.100–1798.199.100 (CCPA as amended by the
CPRA) and Cal. Code Regs. tit. 11 §7026, §7027; Lei 13.709/2018 (LGPD) Art. 18, 19.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy


class RegimeKey(models.TextChoices):
    """The regimes, as stored on a profile's staff override and on each request (``regime``)."""

    GDPR = "gdpr", _("EU/EEA GDPR")
    UK_GDPR = "uk_gdpr", _("UK GDPR")
    CCPA = "ccpa", _("California CCPA/CPRA")
    LGPD = "lgpd", _("Brazil LGPD")
    DEFAULT = "default", pgettext_lazy("regime", "Platform standard")


@dataclass(frozen=True)
class Period:
    """A length of time to answer in, counted from the day after receipt.

    Exactly one of ``months``, ``days`` and ``business_days`` is set. ``months`` are counted
    as Regulation (EEC, Euratom) No 1182/71 Art. 3 counts them (31 January + 1 month =
    28/29 February); ``days`` are calendar days; ``business_days`` skip Saturdays, Sundays
    and the public holidays of ``calendar``, an ISO 3166-2 code such as "US-CA" (California's
    state holidays, as the ``holidays`` package lists them; "" for none).
    """

    months: int = 0
    days: int = 0
    business_days: int = 0
    calendar: str = ""

    def __post_init__(self):
        if sum(1 for value in (self.months, self.days, self.business_days) if value) != 1:
            raise ValueError("A period is a number of months, of days or of business days.")

    def __add__(self, other):
        """Return the period as long as both (of the same unit), e.g. 1 month + 2 months = 3 months."""
        return Period(
            months=self.months + other.months,
            days=self.days + other.days,
            business_days=self.business_days + other.business_days,
            calendar=self.calendar or other.calendar,
        )

    @property
    def key(self):
        """Return a short stable name of the period, e.g. ``"1m"``, ``"45d"``, ``"15bd"`` (form values)."""
        if self.months:
            return f"{self.months}m"
        if self.days:
            return f"{self.days}d"
        return f"{self.business_days}bd"

    def __str__(self):
        """Return the period in words, in the active language, e.g. "one month", "45 days"."""
        if self.months:
            return ngettext("%(count)s month", "%(count)s months", self.months) % {"count": self.months}
        if self.days:
            return ngettext("%(count)s day", "%(count)s days", self.days) % {"count": self.days}
        return ngettext("%(count)s business day", "%(count)s business days", self.business_days) % {
            "count": self.business_days
        }


@dataclass(frozen=True)
class DeadlineRule:
    """How long a regime gives to answer a request, and by how much it may be extended.

    ``extensions`` are the lengths staff may choose from, each added once to ``period``
    and counted from receipt (empty: no extension). ``extension_condition`` says what the
    law asks in return (a reason, a notice), and ``citation`` where it says so.
    """

    period: Period
    citation: str | Promise
    extensions: tuple[Period, ...] = ()
    extension_condition: str | Promise = ""

    def allows(self, extension):
        """Return whether ``extension`` (a ``Period``) is one the regime allows for this rule."""
        return extension in self.extensions


@dataclass(frozen=True)
class Right:
    """A right a regime gives, exercised by one request type.

    ``type`` is the request type's key (``RightsRequest.type``), ``name`` the right's legal
    name and ``citation`` its source, both in the reader's language. ``deadline``, when
    set, replaces the regime's deadline for this type.
    """

    type: str
    name: str | Promise
    citation: str | Promise
    deadline: DeadlineRule | None = None


@dataclass(frozen=True)
class Regime:
    """One data-protection law as the portal applies it (see the module's docstring).

    ``name`` is written to stand in running text ("Under the UK General Data Protection
    Regulation (UK GDPR), …"): with its article, lower case, and no comma; a heading or a
    sentence that starts with it capitalises it (``capfirst``). ``complaint_authority`` is None
    for the platform's lead authority, which the operator sets (``RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY``).
    ``transfers_heading`` and ``transfers`` say where the learner's data goes in this law's terms
    (GDPR and UK GDPR Chapter V, LGPD Art. 33; the CCPA and our standard have no transfer rule): the
    access report and the privacy notice show them; an operator may replace the statement
    (``RIGHTS_REQUESTS_TRANSFERS_STATEMENTS``).
    """

    key: str
    name: str | Promise
    law: str | Promise
    rights: tuple[Right, ...]
    deadline: DeadlineRule
    complaint_authority: str | Promise | None
    complaint_citation: str | Promise
    transfers_heading: str | Promise
    transfers: str | Promise

    def right(self, request_type):
        """Return the ``Right`` exercised by ``request_type``, or None when this regime does not give it."""
        return next((right for right in self.rights if right.type == request_type), None)

    def deadline_for(self, request_type):
        """Return the ``DeadlineRule`` of a request of ``request_type`` under this regime."""
        right = self.right(request_type)
        return right.deadline if right is not None and right.deadline is not None else self.deadline

    @property
    def types(self):
        """Return the request types this regime gives a right to, in its order."""
        return tuple(right.type for right in self.rights)


#: Where the data of a learner whose law has no rule on transfers abroad is processed (CCPA, our standard).
PROCESSED_WHERE = (
    _("Where your data is processed"),
    _("We store and process your personal data in the European Economic Area, and nowhere else."),
)

ONE_MONTH = Period(months=1)
GDPR_EXTENSIONS = (Period(months=1), Period(months=2))

#: The six rights of the GDPR, by request type: ``(type, legal name, article number)``. The UK GDPR keeps
#: them under the same numbers and the platform's standard copies them; each cites them in its own words.
GDPR_SIX = (
    ("access", _("Right of access"), "15"),
    ("rectification", _("Right to rectification"), "16"),
    ("erasure", _("Right to erasure"), "17"),
    ("restriction", _("Right to restriction of processing"), "18"),
    ("portability", _("Right to data portability"), "20"),
    ("objection", _("Right to object"), "21"),
)


def gdpr_rights(citation):
    """Return the GDPR's six rights (``GDPR_SIX``) cited by ``citation``, a "{law} Art. {article}"-style pattern.

    Args:
        citation: a translatable pattern with ``{article}``, e.g. ``_("UK GDPR Art. {article}")``;
            each right's citation is it with the article's number, in the reader's language.

    Returns:
        a tuple of ``Right``, in the GDPR's order.
    """
    return tuple(Right(type_, name, format_lazy(citation, article=article)) for type_, name, article in GDPR_SIX)


def one_month(citation):
    """Return the GDPR's deadline, cited by ``citation``: one month, extendable by one or two more (Art. 12(3))."""
    return DeadlineRule(
        period=ONE_MONTH,
        citation=citation,
        extensions=GDPR_EXTENSIONS,
        extension_condition=_("where necessary, with the reasons told to you within the first month"),
    )


GDPR = Regime(
    key=RegimeKey.GDPR,
    name=_("the EU General Data Protection Regulation (GDPR)"),
    law=_("Regulation (EU) 2016/679, for learners in the European Union, Iceland, Liechtenstein and Norway"),
    rights=gdpr_rights(_("GDPR Art. {article}")),
    deadline=one_month(_("GDPR Art. 12(3)")),
    complaint_authority=_(
        "the supervisory authority of the EU or EEA country where you live or work or where you think your rights "
        "were infringed; the European Data Protection Board lists them at edpb.europa.eu"
    ),
    complaint_citation=_("GDPR Art. 77"),
    transfers_heading=_("Transfers outside the European Economic Area"),
    transfers=_("We do not transfer your personal data to countries outside the European Economic Area."),
)

UK_GDPR = Regime(
    key=RegimeKey.UK_GDPR,
    name=_("the UK General Data Protection Regulation (UK GDPR)"),
    law=_("The UK GDPR and the Data Protection Act 2018, for learners in the United Kingdom"),
    rights=gdpr_rights(_("UK GDPR Art. {article}")),
    deadline=one_month(_("UK GDPR Art. 12(3)")),
    complaint_authority=_("the Information Commissioner's Office (ICO), ico.org.uk"),
    complaint_citation=_("UK GDPR Art. 77"),
    transfers_heading=_("Transfers outside the United Kingdom"),
    transfers=_(
        "We store and process your personal data in the European Economic Area, where UK adequacy regulations "
        "allow it to go (UK GDPR Chapter V, Art. 45; Data Protection Act 2018 s. 17A). We do not transfer it to "
        "any other country."
    ),
)

#: CCPA Regulations: opting out of sale or sharing, and limiting the use of sensitive personal
#: information, are acted on within 15 business days, with no extension; California's state
#: holidays are not business days.
CCPA_OPT_OUT = DeadlineRule(
    period=Period(business_days=15, calendar="US-CA"), citation=_("Cal. Code Regs. tit. 11 §7026(f), §7027(g)")
)

CCPA = Regime(
    key=RegimeKey.CCPA,
    name=_("the California Consumer Privacy Act as amended by the California Privacy Rights Act (CCPA/CPRA)"),
    law=_("Cal. Civ. Code §1798.100 and following, for learners in California"),
    rights=(
        Right("access", _("Right to know"), _("Cal. Civ. Code §1798.110, §1798.115")),
        Right("erasure", _("Right to delete"), _("Cal. Civ. Code §1798.105")),
        Right("rectification", _("Right to correct"), _("Cal. Civ. Code §1798.106")),
        Right(
            "opt_out_of_sale",
            _("Right to opt out of sale or sharing"),
            _("Cal. Civ. Code §1798.120"),
            deadline=CCPA_OPT_OUT,
        ),
        Right(
            "limit_sensitive_use",
            _("Right to limit the use of sensitive personal information"),
            _("Cal. Civ. Code §1798.121"),
            deadline=CCPA_OPT_OUT,
        ),
    ),
    deadline=DeadlineRule(
        period=Period(days=45),
        citation=_("Cal. Civ. Code §1798.130(a)(2)"),
        extensions=(Period(days=45),),
        extension_condition=_("once, when reasonably necessary, with notice to you within the first 45 days"),
    ),
    complaint_authority=_("the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General"),
    complaint_citation=_("Cal. Civ. Code §1798.199.45"),
    transfers_heading=PROCESSED_WHERE[0],
    transfers=PROCESSED_WHERE[1],
)

#: LGPD Art. 19 II: a full reply confirming processing or giving access within 15 days. The law leaves the
#: terms of the other rights to regulation (Art. 18 §5), which the ANPD has not set: the portal answers
#: every LGPD request within the same 15 days, and the LGPD provides no extension.
LGPD_DEADLINE = DeadlineRule(period=Period(days=15), citation=_("LGPD Art. 19, II"))

LGPD = Regime(
    key=RegimeKey.LGPD,
    name=_("Brazil's General Data Protection Law (LGPD)"),
    law=_("Lei nº 13.709/2018, for learners in Brazil"),
    rights=(
        Right("confirmation", _("Confirmation that your data is processed"), _("LGPD Art. 18, I")),
        Right("access", _("Access to your data"), _("LGPD Art. 18, II")),
        Right("rectification", _("Correction of incomplete, inaccurate or out-of-date data"), _("LGPD Art. 18, III")),
        Right(
            "erasure",
            _("Anonymisation, blocking or deletion of data"),
            _("LGPD Art. 18, IV and VI"),
        ),
        Right("restriction", _("Blocking of unnecessary or excessive data"), _("LGPD Art. 18, IV")),
        Right("portability", _("Portability of your data"), _("LGPD Art. 18, V")),
        Right(
            "sharing_information",
            _("Information about whom we shared your data with"),
            _("LGPD Art. 18, VII"),
        ),
        Right("objection", _("Revocation of consent"), _("LGPD Art. 18, IX")),
    ),
    deadline=LGPD_DEADLINE,
    complaint_authority=_("the National Data Protection Authority (ANPD), gov.br/anpd"),
    complaint_citation=_("LGPD Art. 18, §1"),
    transfers_heading=_("International transfers"),
    transfers=_(
        "We store and process your personal data in the European Economic Area, and nowhere else: a transfer "
        "outside Brazil, which we make only as LGPD Art. 33 allows it."
    ),
)

DEFAULT = Regime(
    key=RegimeKey.DEFAULT,
    name=_("Learner Portal's standard (modelled on the GDPR)"),
    law=_("What we give every learner the laws above do not cover"),
    rights=gdpr_rights(_("Our standard, as GDPR Art. {article}")),
    deadline=one_month(_("Our standard, as GDPR Art. 12(3)")),
    complaint_authority=None,
    complaint_citation=_("Our standard, as GDPR Art. 77"),
    transfers_heading=PROCESSED_WHERE[0],
    transfers=PROCESSED_WHERE[1],
)

#: Every regime, by key, in the order the privacy notice describes them.
REGIMES = {regime.key: regime for regime in (GDPR, UK_GDPR, CCPA, LGPD, DEFAULT)}

#: The EU's member states and the other EEA states (Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2.
EEA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)

#: The country whose learners are asked for their state: the regime depends on it.
STATE_COUNTRY = "US"

#: The states and the District of Columbia (USPS codes), as ``Profile.us_state`` stores them.
US_STATES = (
    ("AL", pgettext_lazy("US state", "Alabama")),
    ("AK", pgettext_lazy("US state", "Alaska")),
    ("AZ", pgettext_lazy("US state", "Arizona")),
    ("AR", pgettext_lazy("US state", "Arkansas")),
    ("CA", pgettext_lazy("US state", "California")),
    ("CO", pgettext_lazy("US state", "Colorado")),
    ("CT", pgettext_lazy("US state", "Connecticut")),
    ("DE", pgettext_lazy("US state", "Delaware")),
    ("DC", pgettext_lazy("US state", "District of Columbia")),
    ("FL", pgettext_lazy("US state", "Florida")),
    ("GA", pgettext_lazy("US state", "Georgia")),
    ("HI", pgettext_lazy("US state", "Hawaii")),
    ("ID", pgettext_lazy("US state", "Idaho")),
    ("IL", pgettext_lazy("US state", "Illinois")),
    ("IN", pgettext_lazy("US state", "Indiana")),
    ("IA", pgettext_lazy("US state", "Iowa")),
    ("KS", pgettext_lazy("US state", "Kansas")),
    ("KY", pgettext_lazy("US state", "Kentucky")),
    ("LA", pgettext_lazy("US state", "Louisiana")),
    ("ME", pgettext_lazy("US state", "Maine")),
    ("MD", pgettext_lazy("US state", "Maryland")),
    ("MA", pgettext_lazy("US state", "Massachusetts")),
    ("MI", pgettext_lazy("US state", "Michigan")),
    ("MN", pgettext_lazy("US state", "Minnesota")),
    ("MS", pgettext_lazy("US state", "Mississippi")),
    ("MO", pgettext_lazy("US state", "Missouri")),
    ("MT", pgettext_lazy("US state", "Montana")),
    ("NE", pgettext_lazy("US state", "Nebraska")),
    ("NV", pgettext_lazy("US state", "Nevada")),
    ("NH", pgettext_lazy("US state", "New Hampshire")),
    ("NJ", pgettext_lazy("US state", "New Jersey")),
    ("NM", pgettext_lazy("US state", "New Mexico")),
    ("NY", pgettext_lazy("US state", "New York")),
    ("NC", pgettext_lazy("US state", "North Carolina")),
    ("ND", pgettext_lazy("US state", "North Dakota")),
    ("OH", pgettext_lazy("US state", "Ohio")),
    ("OK", pgettext_lazy("US state", "Oklahoma")),
    ("OR", pgettext_lazy("US state", "Oregon")),
    ("PA", pgettext_lazy("US state", "Pennsylvania")),
    ("RI", pgettext_lazy("US state", "Rhode Island")),
    ("SC", pgettext_lazy("US state", "South Carolina")),
    ("SD", pgettext_lazy("US state", "South Dakota")),
    ("TN", pgettext_lazy("US state", "Tennessee")),
    ("TX", pgettext_lazy("US state", "Texas")),
    ("UT", pgettext_lazy("US state", "Utah")),
    ("VT", pgettext_lazy("US state", "Vermont")),
    ("VA", pgettext_lazy("US state", "Virginia")),
    ("WA", pgettext_lazy("US state", "Washington")),
    ("WV", pgettext_lazy("US state", "West Virginia")),
    ("WI", pgettext_lazy("US state", "Wisconsin")),
    ("WY", pgettext_lazy("US state", "Wyoming")),
)


def regime(key):
    """Return the ``Regime`` stored as ``key`` (a ``RegimeKey`` value).

    Raises:
        KeyError: no regime of that key.
    """
    return REGIMES[key]


def regime_for_place(country, us_state=""):
    """Return the key of the regime that applies where a learner lives.

    EU/EEA → GDPR; GB → UK GDPR; BR → LGPD; US with state CA → CCPA; any other US
    state, a US learner whose state is not known, and every other or unknown
    country → the platform's standard (GDPR-like).

    Args:
        country: ISO 3166-1 alpha-2 code (``Profile.country``), "" when unknown.
        us_state: USPS state code (``Profile.us_state``), "" when unknown.

    Returns:
        a ``RegimeKey``.
    """
    country = str(country or "").upper()
    if country in EEA_COUNTRIES:
        return RegimeKey.GDPR
    if country == "GB":
        return RegimeKey.UK_GDPR
    if country == "BR":
        return RegimeKey.LGPD
    if country == STATE_COUNTRY and us_state == "CA":
        return RegimeKey.CCPA
    return RegimeKey.DEFAULT

"""The regime table: which law applies where, and what each gives."""

import pytest
from django.utils import translation

from compliance.regimes import REGIMES, Period, RegimeKey, regime, regime_for_place


@pytest.mark.parametrize(
    ("country", "state", "expected"),
    [
        ("FR", "", RegimeKey.GDPR),
        ("DE", "", RegimeKey.GDPR),
        ("NO", "", RegimeKey.GDPR),  # EEA, not EU
        ("IS", "", RegimeKey.GDPR),
        ("LI", "", RegimeKey.GDPR),
        ("GB", "", RegimeKey.UK_GDPR),
        ("BR", "", RegimeKey.LGPD),
        ("US", "CA", RegimeKey.CCPA),
        ("US", "NY", RegimeKey.DEFAULT),
        ("US", "", RegimeKey.DEFAULT),  # state not told yet
        ("CH", "", RegimeKey.DEFAULT),  # not in the EEA
        ("JP", "", RegimeKey.DEFAULT),
        ("", "", RegimeKey.DEFAULT),
    ],
)
def test_the_regime_follows_the_country_and_in_the_united_states_the_state(country, state, expected):
    assert regime_for_place(country, state) == expected


def test_a_californian_state_outside_the_united_states_decides_nothing():
    assert regime_for_place("MX", "CA") == RegimeKey.DEFAULT


def test_ccpa_names_its_rights_and_sections():
    rights = {right.type: (str(right.name), str(right.citation)) for right in regime(RegimeKey.CCPA).rights}
    assert rights == {
        "access": ("Right to know", "Cal. Civ. Code §1798.110, §1798.115"),
        "erasure": ("Right to delete", "Cal. Civ. Code §1798.105"),
        "rectification": ("Right to correct", "Cal. Civ. Code §1798.106"),
        "opt_out_of_sale": ("Right to opt out of sale or sharing", "Cal. Civ. Code §1798.120"),
        "limit_sensitive_use": (
            "Right to limit the use of sensitive personal information",
            "Cal. Civ. Code §1798.121",
        ),
    }


def test_lgpd_gives_the_rights_of_article_18_by_their_items():
    citations = {right.type: str(right.citation) for right in regime(RegimeKey.LGPD).rights}
    assert citations["confirmation"] == "LGPD Art. 18, I"
    assert citations["access"] == "LGPD Art. 18, II"
    assert citations["rectification"] == "LGPD Art. 18, III"
    assert citations["portability"] == "LGPD Art. 18, V"
    assert citations["sharing_information"] == "LGPD Art. 18, VII"
    assert citations["objection"] == "LGPD Art. 18, IX"


@pytest.mark.parametrize(
    ("key", "language", "cited"),
    [
        (RegimeKey.GDPR, "en", "GDPR Art. {}"),
        (RegimeKey.UK_GDPR, "en", "UK GDPR Art. {}"),
        (RegimeKey.DEFAULT, "en", "Our standard, as GDPR Art. {}"),
        (RegimeKey.GDPR, "es", "art. {} del RGPD"),
        (RegimeKey.UK_GDPR, "es", "art. {} del UK GDPR"),
        (RegimeKey.DEFAULT, "es", "nuestro estándar, como el art. {} del RGPD"),
    ],
)
def test_gdpr_uk_gdpr_and_our_standard_give_articles_15_to_21_each_cited_by_its_own_law(key, language, cited):
    with translation.override(language):
        rights = [(right.type, str(right.citation)) for right in regime(key).rights]
    assert rights == [
        ("access", cited.format(15)),
        ("rectification", cited.format(16)),
        ("erasure", cited.format(17)),
        ("restriction", cited.format(18)),
        ("portability", cited.format(20)),
        ("objection", cited.format(21)),
    ]


@pytest.mark.parametrize(
    ("key", "period", "extensions"),
    [
        (RegimeKey.GDPR, Period(months=1), (Period(months=1), Period(months=2))),
        (RegimeKey.UK_GDPR, Period(months=1), (Period(months=1), Period(months=2))),
        (RegimeKey.CCPA, Period(days=45), (Period(days=45),)),
        (RegimeKey.LGPD, Period(days=15), ()),
        (RegimeKey.DEFAULT, Period(months=1), (Period(months=1), Period(months=2))),
    ],
)
def test_each_regime_has_its_deadline_and_extension_rule(key, period, extensions):
    rule = regime(key).deadline
    assert rule.period == period
    assert rule.extensions == extensions


def test_ccpa_opt_outs_are_acted_on_within_15_business_days_without_extension():
    rule = regime(RegimeKey.CCPA).deadline_for("opt_out_of_sale")
    assert rule.period == Period(business_days=15, calendar="US-CA")  # California's state holidays are not counted
    assert rule.extensions == ()


def test_every_regime_is_in_the_table_under_its_key_and_names_where_to_complain():
    assert set(REGIMES) == set(RegimeKey)
    assert "ICO" in str(regime(RegimeKey.UK_GDPR).complaint_authority)
    assert "California Privacy Protection Agency" in str(regime(RegimeKey.CCPA).complaint_authority)
    assert "ANPD" in str(regime(RegimeKey.LGPD).complaint_authority)
    assert "European Data Protection Board" in str(regime(RegimeKey.GDPR).complaint_authority)
    assert regime(RegimeKey.DEFAULT).complaint_authority is None  # the operator's lead authority


def test_a_period_is_one_unit():
    with pytest.raises(ValueError, match="months, of days or of business days"):
        Period(months=1, days=3)

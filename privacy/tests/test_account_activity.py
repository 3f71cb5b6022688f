"""Settings → Security → Account activity: repeated staff views as one line, kinds of event, pages, only one's own."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.activity import ACTIONS_OF_KIND
from compliance.models import AuditEvent
from compliance.services import audit_record, staff_access_record
from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTIVITY = "/settings/security/activity/"
#: A Tuesday evening in March: London is on GMT, so the page shows these UTC times unchanged.
EVENING = datetime.datetime(2026, 3, 10, 19, 10, tzinfo=datetime.UTC)
REFERENCE = "DSR-2026-000077"


@pytest.fixture
def reader(client, learner):
    """Return the test client, signed in as ``learner`` an hour before ``EVENING``, the clock stopped the day after.

    That sign-in is on the page too: "Signed in.", its oldest line (its first page's last).
    """
    with time_machine.travel(EVENING - datetime.timedelta(hours=1), tick=False) as clock:
        client.force_login(learner)
        clock.move_to(EVENING + datetime.timedelta(days=1))
        yield client


def at(minutes, seconds=0):
    """Return the instant ``minutes`` (and ``seconds``) after ``EVENING``."""
    return EVENING + datetime.timedelta(minutes=minutes, seconds=seconds)


def record(when, **event):
    """Append an event to the audit log as if it happened ``when``."""
    with time_machine.travel(when, tick=False):
        return audit_record(**event)


def staff_view(when, staff, subject, view="your request", request_reference=REFERENCE):
    """Record that ``staff`` opened ``view`` of ``subject``'s data ``when``."""
    with time_machine.travel(when, tick=False):
        return staff_access_record(actor=staff, subject=subject, view=view, request_reference=request_reference)


def sign_in_at(when, learner):
    return record(when, actor=learner, subject=learner, action=AuditEvent.Action.SIGNED_IN)


def lines(html, column="What happened"):
    """Return the "What happened" text (``column``: its heading in the page's language) of each line, newest first."""
    return re.findall(rf'<td data-label="{column}">(.*?)</td>', html)


def link(html, name):
    """Return the address of the pagination link called ``name``, or None."""
    found = re.search(rf'<a href="([^"]+)"[^>]*>{name}</a>', html)
    return found and found.group(1).replace("&amp;", "&")


def test_repeated_staff_views_are_one_line_with_their_count_and_time_range(reader, learner, agent):
    for seconds in (0, 30, 60, 90, 120):
        staff_view(at(0, seconds), agent, learner)

    page = reader.get(ACTIVITY).text

    assert lines(page) == [
        f"A member of the support team viewed your request 5 times between 19:10 and 19:12 GMT "
        f"while working on request {REFERENCE}.",
        "Signed in.",
    ]
    assert '<time datetime="2026-03-10T19:10:00+00:00">10 Mar 2026, 19:10</time>–' in page
    assert '<time datetime="2026-03-10T19:12:00+00:00">19:12 GMT</time>' in page, "the range in the When column"
    assert "sam.agent" not in page


def test_views_in_the_same_minute_say_at_that_minute_and_name_the_officer_by_role(reader, learner, officer):
    for seconds in (1, 20, 40):
        staff_view(at(5, seconds), officer, learner, view="your account and profile", request_reference="")

    page = reader.get(ACTIVITY).text
    assert lines(page) == [
        "Our privacy officer viewed your account and profile 3 times at 19:15 GMT.",
        "Signed in.",
    ]
    assert ">10 Mar 2026, 19:15 GMT</time>" in page, "one time in the When column, not 19:15–19:15"
    assert "19:15</time>–" not in page


def test_a_pause_another_event_another_role_or_another_thing_starts_a_new_line(reader, learner, agent, officer):
    staff_view(at(0), agent, learner)
    staff_view(at(31), agent, learner)  # more than 30 minutes after the one before
    sign_in_at(at(32), learner)
    staff_view(at(33), agent, learner)  # a sign-in in between
    staff_view(at(34), officer, learner)  # another role
    staff_view(at(35), officer, learner, view="a payment of yours")  # another thing
    staff_view(at(36), officer, learner, view="a payment of yours", request_reference="")  # no request
    staff_view(at(37), officer, learner, view="a payment of yours", request_reference="")

    assert lines(reader.get(ACTIVITY).text) == [
        "Our privacy officer viewed a payment of yours 2 times between 19:46 and 19:47 GMT.",
        f"Our privacy officer viewed a payment of yours while working on request {REFERENCE}.",
        f"Our privacy officer viewed your request while working on request {REFERENCE}.",
        f"A member of the support team viewed your request while working on request {REFERENCE}.",
        "Signed in.",
        f"A member of the support team viewed your request while working on request {REFERENCE}.",
        f"A member of the support team viewed your request while working on request {REFERENCE}.",
        "Signed in.",
    ]


def test_a_filter_shows_only_its_kind_links_work_without_script_and_groups_what_it_brings_together(
    reader, learner, agent
):
    staff_view(at(0), agent, learner)
    sign_in_at(at(1), learner)
    staff_view(at(2), agent, learner)
    record(
        at(3), actor=learner, subject=learner, action=AuditEvent.Action.CONSENT_CHANGED, changes={"research": [0, 1]}
    )

    everything = reader.get(ACTIVITY).text
    staff = reader.get(ACTIVITY, {"kind": "staff"}).text
    sign_ins = reader.get(ACTIVITY, {"kind": "sign-ins"}).text

    assert len(lines(everything)) == 5
    assert '<a href="/settings/security/activity/?kind=sign-ins">Sign-ins</a>' in everything
    assert '<a href="/settings/security/activity/?kind=staff" aria-current="page">Staff access</a>' in staff
    assert lines(staff) == [
        f"A member of the support team viewed your request 2 times between 19:10 and 19:12 GMT "
        f"while working on request {REFERENCE}."
    ], "consecutive in the list shown: the sign-in between them is filtered out"
    assert lines(sign_ins) == ["Signed in.", "Signed in."], "the one at 19:11 and this sign-in"
    assert "Showing: Sign-ins" in sign_ins
    assert "Nothing of this kind recorded yet." in reader.get(ACTIVITY, {"kind": "sharing"}).text


def test_every_kind_of_event_is_under_exactly_one_filter():
    kinds = [action for actions in ACTIONS_OF_KIND.values() for action in actions]
    assert sorted(kinds) == sorted(AuditEvent.Action.values), "no event missing from the filters, none under two"


def test_pages_of_fifty_lines_go_older_and_back_newer_keeping_the_filter(reader, learner):
    for minute in range(120):
        sign_in_at(at(minute), learner)
    record(at(200), actor=learner, subject=learner, action=AuditEvent.Action.PASSWORD_CHANGED)

    first = reader.get(ACTIVITY, {"kind": "sign-ins"}).text
    second = reader.get(link(first, "Older")).text
    third = reader.get(link(second, "Older")).text
    back = reader.get(link(third, "Newer")).text
    top = reader.get(link(second, "Newer")).text

    times = [re.findall(r">(\d\d Mar 2026, \d\d:\d\d) GMT</time>", html) for html in (first, second, third, back, top)]
    assert [len(found) for found in times] == [50, 50, 21, 50, 50]
    assert times[0][0] == "10 Mar 2026, 21:09" and times[2][-1] == "10 Mar 2026, 18:10", "newest first, none lost"
    assert times[0][-1] > times[1][0] and times[1][-1] > times[2][0], "each page older than the one before"
    assert times[3] == times[1] and times[4] == times[0], "Newer goes back to the same lines"
    assert "kind=sign-ins" in link(first, "Older") and "kind=sign-ins" in link(third, "Newer")
    assert link(first, "Newer") is None and link(third, "Older") is None
    assert "Password changed" not in first + second + third


def test_a_run_of_views_is_never_split_between_two_pages(reader, learner, agent):
    for minute in range(10):
        sign_in_at(at(minute), learner)
    for seconds in range(0, 300, 60):
        staff_view(at(20, seconds), agent, learner)
    for minute in range(49):
        sign_in_at(at(60 + minute), learner)

    first = reader.get(ACTIVITY).text
    second = reader.get(link(first, "Older")).text

    assert len(lines(first)) == 50 and len(lines(second)) == 11
    assert lines(first)[-1].startswith("A member of the support team viewed your request 5 times between 19:30 and")
    assert "viewed your request" not in second


def test_the_first_page_of_a_long_log_reads_only_what_it_shows(reader, learner, agent):
    for minute in range(300):
        sign_in_at(at(minute), learner)

    with CaptureQueriesContext(connection) as queries:
        assert reader.get(ACTIVITY).status_code == 200

    reads = [query["sql"] for query in queries if 'FROM "privacy_auditevent"' in query["sql"]]
    assert reads and all("LIMIT 51" in sql for sql in reads), "one page and one line more, never the whole log"


def test_another_learners_activity_is_never_shown_nor_usable_as_a_page_link(reader, learner, agent):
    other = UserFactory(username="bilal")
    theirs = staff_view(at(0), agent, other, view="your account and profile", request_reference="DSR-2026-000099")
    record(at(1), actor=other, subject=other, action=AuditEvent.Action.PASSWORD_CHANGED)
    sign_in_at(at(2), learner)

    page = reader.get(ACTIVITY).text
    staff_page = reader.get(ACTIVITY, {"kind": "staff"}).text
    anchored = reader.get(ACTIVITY, {"before": theirs.pk})

    assert lines(page) == ["Signed in.", "Signed in."]
    assert "Nothing of this kind recorded yet." in staff_page and "DSR-2026-000099" not in staff_page
    assert anchored.status_code == 400
    assert "This page of your activity does not exist." in anchored.text
    assert "DSR-2026-000099" not in anchored.text and lines(anchored.text) == ["Signed in.", "Signed in."]


def test_staff_actions_are_told_in_the_portals_words_naming_no_one(reader, learner, agent, officer):
    staff_view(at(0), officer, learner, view="your request and a summary of your data")
    record(
        at(1),
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED,
        changes={"attempt": "set your password"},
    )
    record(
        at(2),
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.REQUEST_STEP,
        changes={"request": REFERENCE, "step": "approved"},
    )

    page = reader.get(ACTIVITY, {"kind": "staff"}).text

    assert lines(page) == [
        "A member of the support team tried to set your password; the portal refused.",
        f"Our privacy officer viewed your request and a summary of your data while working on request {REFERENCE}.",
    ]
    assert (
        f"Request {REFERENCE}: approved by a member of the support team."
        in reader.get(ACTIVITY, {"kind": "requests"}).text
    )
    assert "sam.agent" not in page and "priya.officer" not in page
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    assert f"Solicitud {REFERENCE}: aprobada (por un miembro del equipo de soporte)." in (
        reader.get(ACTIVITY, {"kind": "requests"}, **spanish).text
    ), "the step in Spanish too, not its code"
    assert "consultó tu solicitud y un resumen de tus datos" in reader.get(ACTIVITY, {"kind": "staff"}, **spanish).text


def test_staff_changes_and_views_read_in_the_learners_language_old_rows_too(reader, learner, agent, officer):
    record(at(0), actor=learner, subject=learner, action=AuditEvent.Action.PROFILE_UPDATED, changes={"fields": ["bio"]})
    record(
        at(1),
        actor=officer,
        subject=learner,
        action=AuditEvent.Action.ACCOUNT_CHANGED,
        changes={"fields": ["email", "is_active", "username"]},
    )
    staff_view(at(3), agent, learner, view="your account and profile", request_reference="")
    record(
        at(4),
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.STAFF_VIEWED,
        changes={"view": "your account and profile", "shown": "history"},
    )
    record(
        at(5),
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.STAFF_VIEWED,
        changes={"view": "your account", "shown": "list", "list": "accounts.user"},
    )
    # Rows written before the phrase was kept apart from how it was seen.
    staff_view(at(7), agent, learner, view="the change history of your account and profile", request_reference="")
    staff_view(at(9), agent, learner, view="your account in the results of a search", request_reference="")

    english = reader.get(ACTIVITY, {"kind": "staff"}).text
    spanish = reader.get(ACTIVITY, {"kind": "staff"}, HTTP_ACCEPT_LANGUAGE="es").text
    profile = reader.get(ACTIVITY, {"kind": "privacy"}, HTTP_ACCEPT_LANGUAGE="es").text

    assert lines(english) == [
        "A member of the support team viewed your account in the results of a search.",
        "A member of the support team viewed the change history of your account and profile.",
        "A member of the support team viewed your account in a list of users.",
        "A member of the support team viewed the change history of your account and profile.",
        "A member of the support team viewed your account and profile.",
        "Our privacy officer changed your account details in admin: email address, active, username.",
    ]
    assert lines(spanish, column="Qué ocurrió") == [
        "Un miembro del equipo de soporte consultó tu cuenta en los resultados de una búsqueda.",
        "Un miembro del equipo de soporte consultó el historial de cambios de tu cuenta y tu perfil.",
        "Un miembro del equipo de soporte consultó tu cuenta en una lista de usuarios.",
        "Un miembro del equipo de soporte consultó el historial de cambios de tu cuenta y tu perfil.",
        "Un miembro del equipo de soporte consultó tu cuenta y tu perfil.",
        "Nuestro delegado de protección de datos cambió los datos de tu cuenta en la administración: "
        "dirección de correo electrónico, activo, nombre de usuario.",
    ]
    assert "Perfil actualizado: biografía." in profile


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"kind": "everything"}, "There is no such kind of activity: choose one of the filters."),
        ({"before": "yesterday"}, "This page of your activity does not exist."),
        ({"before": "999999999"}, "This page of your activity does not exist."),
        ({"before": "1", "after": "2"}, "Choose older or newer activity, not both."),
    ],
)
def test_a_filter_or_page_link_no_page_made_is_refused_with_a_clear_message(reader, learner, query, error):
    sign_in_at(at(0), learner)

    response = reader.get(ACTIVITY, query)

    assert response.status_code == 400
    assert error in response.text
    assert lines(response.text) == ["Signed in.", "Signed in."], "the newest activity, under the error"

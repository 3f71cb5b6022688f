"""Views of the privacy app: the Privacy tab and public profiles."""

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import learner_regime, passkeys_of
from compliance.activity import ActivityKind, ActivityPageUnknown, account_activity_page
from compliance.models import ActorRole
from compliance.notice import privacy_notice
from learnerportal.cached_answers import answer_from_kept, answer_keep
from learnerportal.http import safe_next_url

from . import conf as privacy_conf
from .exceptions import PolicyConfirmationDue, PrivacyError
from .forms import ActivityFilterForm, ConsentForm, VisibilityForm
from .global_privacy_control import signal_awaited, signal_record
from .models import CONSENT_PURPOSES, Audience, Consent, ProfileVisibility
from .selectors import (
    CHECKUP_DISMISSED_SESSION_KEY,
    access_learner_photo,
    access_public_profile,
    audiences_in_force,
    below_digital_consent_age,
    consent_history_recent,
    consent_states,
    fields_visible_to,
    list_length_asked,
    policy_confirmation_due,
    profile_for_audiences,
    profile_visibility_of,
    public_answer_read,
    public_answer_write,
    public_chosen_before_consent_age,
    safeguards_of,
)
from .services import consent_record, policy_confirm, profile_visibility_update

# Messages about a consent change carry this tag and show in the consents section, whose
# confirmation region has this id (the redirect after the change opens the page at it).
CONSENTS_MESSAGE_TAG = "consents"
CONSENTS_MESSAGE_ID = "consents-message"
# Messages about the visibility choices show above them, in a region with this id: the page
# opens there after Save, so the confirmation is in view wherever on the page Save was pressed.
VISIBILITY_MESSAGE_TAG = "visibility"
VISIBILITY_MESSAGE_ID = "visibility-message"
#: How many of the newest consent-ledger entries the history of choices lists (the API pages through all).
CONSENT_HISTORY_SHOWN = 50
#: How many renderings of the visibility choices each process keeps: one per language, age and set of
#: choices (at most 2 × 3⁷ per language), each about 7 KB.
VISIBILITY_CHOICES_KEPT = 256

#: "View as" choices on the Privacy tab: label, how the preview names the viewer, and the
#: audiences such a viewer belongs to.
VIEW_AS = {
    "public": (gettext_lazy("Anyone on the internet"), gettext_lazy("anyone on the internet"), {Audience.PUBLIC}),
    "learners": (
        gettext_lazy("A signed-in learner"),
        gettext_lazy("a signed-in learner"),
        {Audience.PUBLIC, Audience.LEARNERS},
    ),
}


def _viewers_by_choice(user):
    """Return ``{audience: "view_as key ..."}``: who would see a field were that audience chosen for it.

    Read from ``fields_visible_to``, the rule the preview follows on the server, so the
    Privacy tab's script previews unsaved choices without a rule of its own. The answer
    is the same for every field (and depends on the learner only through their age).
    """
    viewers = {}
    for audience in Audience:
        chosen = dict.fromkeys(ProfileVisibility.FIELDS, audience)
        viewers[audience] = " ".join(
            key
            for key, (_, _, audiences) in VIEW_AS.items()
            if fields_visible_to(subject=user, audiences=audiences, chosen=chosen)
        )
    return viewers


def _visibility_items(form, *, saved, viewers):
    """Return what ``privacy/_visibility_fields.html`` lists: each field of ``form``, its saved audience, options."""
    return [
        {
            "field": field,
            "saved": saved[field.name],
            "options": [(radio, viewers[radio.data["value"]]) for radio in field],
        }
        for field in form
    ]


@functools.lru_cache(maxsize=VISIBILITY_CHOICES_KEPT)
def visibility_choices_html(language, young, audiences, viewers):
    """Return the Privacy tab's choices as a visit shows them before any change: rendered once per process.

    They depend only on the arguments, never on who the learner is (the same choices
    render the same for everyone): the page renders them from here on every visit
    that sends nothing, and through the template when a sent form is shown again
    (with what was sent, and its errors).

    Args:
        language: the active language's code (the template's words).
        young: under the digital age of consent ("Everyone" is not offered).
        audiences: ``((field name, Audience), ...)``, the audiences in force, checked.
        viewers: ``((Audience, "view_as key ..."), ...)`` from ``_viewers_by_choice``.

    Returns:
        safe HTML of the fieldsets.
    """
    audiences = dict(audiences)
    form = VisibilityForm(audiences=audiences, young=young)
    items = _visibility_items(form, saved=audiences, viewers=dict(viewers))
    return render_to_string("privacy/_visibility_fields.html", {"visibility_fields": items})


def _messages_by_place(request):
    """Return the request's messages as ``(consents, visibility, others)``, by where the page shows them."""
    places = {CONSENTS_MESSAGE_TAG: [], VISIBILITY_MESSAGE_TAG: [], None: []}
    for message in messages.get_messages(request):
        tags = (message.extra_tags or "").split()
        places[next((tag for tag in tags if tag in places), None)].append(message)
    return places[CONSENTS_MESSAGE_TAG], places[VISIBILITY_MESSAGE_TAG], places[None]


@login_required
def privacy_settings(request):
    """Privacy tab: choose who sees each profile field, preview, save, confirm."""
    visibility = profile_visibility_of(request.user)
    young = below_digital_consent_age(request.user)
    in_force = {"audiences": audiences_in_force(request.user), "young": young}
    # A "View as" button sends the form: its choices are previewed, not saved. Only a view_as in
    # the form's body previews (not one in the page's address); one naming no offered viewer
    # previews as anyone on the internet. With script, the page previews without sending it.
    previewing = request.method == "POST" and "view_as" in request.POST
    view_as = request.POST["view_as"] if previewing else request.GET.get("view_as")
    chosen = None
    choices_html = None
    if request.method == "POST":
        form = VisibilityForm(request.POST, **in_force)
        if not form.is_valid():
            messages.error(
                request,
                gettext("Choose an audience for every field marked below to see the preview.")
                if previewing
                else gettext("Nothing was saved: choose an audience for every field marked below."),
                extra_tags=VISIBILITY_MESSAGE_TAG,
            )
        elif previewing:
            chosen = form.cleaned_data
        else:
            profile_visibility_update(actor=request.user, subject=request.user, audiences=form.cleaned_data)
            messages.success(request, gettext("Your privacy settings are saved."), extra_tags=VISIBILITY_MESSAGE_TAG)
            # An address of its own: a redirect without one would keep the form's (e.g. #preview-heading
            # after a preview) and open the page away from the confirmation.
            return redirect(reverse("privacy:settings") + f"#{VISIBILITY_MESSAGE_ID}")
        visibility_fields = _visibility_items(
            form, saved=in_force["audiences"], viewers=_viewers_by_choice(request.user)
        )
    else:
        visibility_fields = None
        choices_html = visibility_choices_html(
            get_language(),
            young,
            tuple(in_force["audiences"].items()),
            tuple(_viewers_by_choice(request.user).items()),
        )
    if view_as not in VIEW_AS:
        view_as = "public"
    states = consent_states(request.user)
    safeguards = safeguards_of(request.user)
    # The owner's whole profile, rendered once: the preview hides what the viewer would not see, and the
    # script shows and hides the same parts as the choices change.
    everything = profile_for_audiences(subject=request.user, audiences=Audience, list_length=list_length_asked(request))
    shown = fields_visible_to(subject=request.user, audiences=VIEW_AS[view_as][2], chosen=chosen)
    consent_messages, visibility_messages, other_messages = _messages_by_place(request)
    return render(
        request,
        "settings/privacy.html",
        {
            "tab": "privacy",
            "visibility_fields": visibility_fields,
            "visibility_choices": choices_html,
            "visibility": visibility,
            "everything": everything,
            "preview_hidden": everything.fields.keys() - shown,
            "preview_empty": not everything.fields.keys() & shown,
            "preview_unsaved": chosen is not None and chosen != in_force["audiences"],
            "preview_all_url": f"?view_as={view_as}&lists=all#preview-heading",
            "view_as": view_as,
            "view_as_choices": [(key, label, who) for key, (label, who, _) in VIEW_AS.items()],
            "view_as_who": VIEW_AS[view_as][1],
            # A grant given before the learner reached the digital age of consent shows as off, to be given again.
            "consents": list(states.values()),
            # Whether the ledger has entries: the link to the history of choices shows only then.
            "consents_decided": any(state.latest for state in states.values()),
            "consent_messages": consent_messages,
            "consent_message_id": CONSENTS_MESSAGE_ID,
            "visibility_messages": visibility_messages,
            "visibility_message_id": VISIBILITY_MESSAGE_ID,
            "other_messages": other_messages,
            "restricted_since": safeguards.restricted_since,
            "two_factor_on": safeguards.two_factor_on,
            "backup_codes_left": safeguards.backup_codes_left,
            "passkeys": passkeys_of(request.user) if safeguards.two_factor_on else [],
            "young": young,
            "public_before_consent_age": public_chosen_before_consent_age(request.user),
            "consent_age": privacy_conf.DIGITAL_CONSENT_AGE,
        },
    )


@login_required
@require_safe
def consent_history_page(request):
    """Settings → Privacy → Your history of choices: the newest entries of the learner's consent ledger.

    A page of its own, linked from the Privacy tab's consents: most visits to the tab
    do not open it. Lists the newest ``CONSENT_HISTORY_SHOWN`` entries, newest first;
    the API pages through them all (GDPR Art. 7(1): what was agreed, when, how).
    """
    return render(
        request,
        "privacy/consent_history.html",
        {"tab": "privacy", "history": consent_history_recent(request.user, limit=CONSENT_HISTORY_SHOWN)},
    )


@require_safe
def learner_profile(request, username):
    """A learner's profile, showing only what its owner allows this viewer to see.

    Courses and accomplishments list the newest ``PROFILE_LIST_LENGTH`` each, with
    "and N more", unless ``?lists=all`` asks for every one. What a visitor or a
    signed-in learner sees of the learner comes from the shared cache, with its
    rendered card (per language and time zone). A signed-in viewer's page around it is
    rendered for each request (it names them); a visitor's, the same for every visitor, is
    kept whole beside the cached view (``public_answer_read``), unless a message waits to be shown.
    """
    list_length = list_length_asked(request)
    slot = None
    if not request.user.is_authenticated and not messages.get_messages(request):
        variant = f"html:{get_language()}:{timezone.get_current_timezone_name()}"
        slot = public_answer_read(viewer=request.user, username=username, list_length=list_length, variant=variant)
        if slot is not None and slot.kept is not None:
            return answer_from_kept(request, slot.kept)
    visible, is_owner = access_public_profile(viewer=request.user, username=username, list_length=list_length)
    response = render(
        request,
        "privacy/profile.html",
        {
            "visible": visible,
            "is_owner": is_owner,
            # A cached view's card is kept rendered beside it (the same lifetime at most).
            "public_profile_card_seconds": privacy_conf.PUBLIC_PROFILE_CACHE_SECONDS,
        },
    )
    if slot is not None:
        public_answer_write(slot, visible=visible, kept=answer_keep(request, response))
    return response


@require_safe
def learner_photo(request, username):
    """A learner's photo, served only to viewers its owner allows (photos have no public URL)."""
    photo_file = access_learner_photo(viewer=request.user, username=username)
    response = FileResponse(photo_file, content_type="image/jpeg")
    # SECURITY: a photo made private again must not linger in shared caches.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def privacy_notice_page(request):
    """What the portal collects and why, generated from the personal-data registry (GDPR Art. 13).

    It describes every regime's rights; a signed-in learner's own is marked as theirs.
    """
    return render(
        request,
        "privacy/notice.html",
        {
            "notice": privacy_notice(),
            "learner_regime": learner_regime(request.user).key if request.user.is_authenticated else None,
            "controller": privacy_conf.CONTROLLER,
            "dpo_contact": privacy_conf.DPO_CONTACT,
            "automated_decisions": privacy_conf.AUTOMATED_DECISIONS_STATEMENT,
        },
    )


@require_POST
@login_required
def consent_change(request):
    """Grant or withdraw one optional purpose from the Privacy tab, then confirm it."""
    form = ConsentForm(request.POST)
    if form.is_valid():
        purpose, granted = form.cleaned_data["purpose"], form.cleaned_data["granted"]
        try:
            consent_record(
                actor=request.user, user=request.user, purpose=purpose, granted=granted, source=Consent.Source.SETTINGS
            )
        except PrivacyError as error:
            messages.error(request, error.detail, extra_tags=CONSENTS_MESSAGE_TAG)
            if isinstance(error, PolicyConfirmationDue):
                return redirect("privacy:policy_confirm")
        else:
            saved = (
                gettext("Saved: “%(purpose)s” is now on.") if granted else gettext("Saved: “%(purpose)s” is now off.")
            )
            messages.success(request, saved % {"purpose": CONSENT_PURPOSES[purpose]}, extra_tags=CONSENTS_MESSAGE_TAG)
    else:
        messages.error(
            request, gettext("Nothing was changed: that choice is not one we offer."), extra_tags=CONSENTS_MESSAGE_TAG
        )
    # The page opens at the confirmation itself (it sits in the consents section and can take
    # focus), so the browser's jump to the anchor lands on it rather than taking focus away.
    return redirect(reverse("privacy:settings") + f"#{CONSENTS_MESSAGE_ID}")


@login_required
def policy_confirm_page(request):
    """Show what changed in the privacy policy and confirm the learner's consents under it."""
    policy = policy_confirmation_due(request.user)
    next_url = safe_next_url(request, reverse("home"))
    if policy is None:
        return redirect(next_url)
    if request.method == "POST":
        policy_confirm(
            user=request.user,
            policy=policy,
            choices={purpose: request.POST.get(purpose) == "on" for purpose in CONSENT_PURPOSES},
        )
        messages.success(request, gettext("Thank you: your choices are confirmed under the new privacy policy."))

        return redirect(next_url)
    states = consent_states(request.user)
    return render(
        request,
        "privacy/policy_confirm.html",
        {
            "policy": policy,
            "next": next_url,
            "young": below_digital_consent_age(request.user),
            # Nothing is ticked in advance: consent must be an active choice (CJEU C-673/17, Planet49).
            "choices": list(states.values()),
        },
    )


@require_POST
@login_required
def checkup_dismiss(request):
    """Hide the privacy-checkup suggestion for the rest of this session."""
    request.session[CHECKUP_DISMISSED_SESSION_KEY] = True
    return redirect("home")


@require_POST
@login_required
def global_privacy_control_signal(request):
    """Record the Global Privacy Control signal a page's script read from ``navigator.globalPrivacyControl``.

    For a browser or extension that exposes the signal to scripts without sending
    ``Sec-GPC`` (GPC specification §4). It can only turn purposes off, as the header does.

    Returns:
        JSON ``{"recorded": [purpose, ...]}``: the purposes turned off now (empty for staff, and
        when this session recorded the signal before).
    """
    recorded = signal_record(request) if signal_awaited(request) else []
    return JsonResponse({"recorded": recorded})


#: Lines per page of the Account activity page.
ACTIVITY_PAGE_SIZE = 50


@login_required
@require_safe
def account_activity(request):
    """Settings → Security → Account activity: the learner's own audit log, newest first, by kind, in pages.

    Includes every time staff opened the learner's data in admin, naming their
    role and the request they worked on, never the staff member (access
    transparency, GDPR Art. 15(1)(c)); repeated views of the same thing are one
    line with their count and time range (``compliance.activity.ActivityLine``).
    A filter or page link that no page made answers 400 with the error above
    the newest page (of the kind chosen, when that part is right).
    """
    form = ActivityFilterForm(request.GET)
    valid = form.is_valid()
    kind = form.cleaned_data.get("kind") or None
    before, after = (form.cleaned_data.get("before"), form.cleaned_data.get("after")) if valid else (None, None)
    try:
        page = account_activity_page(request.user, kind=kind, before=before, after=after, size=ACTIVITY_PAGE_SIZE)
    except ActivityPageUnknown as error:
        form.add_error(None, forms.ValidationError(str(error), code=error.code))
        page = account_activity_page(request.user, kind=kind, size=ACTIVITY_PAGE_SIZE)
    entries = [
        {
            "event": line.event,
            "count": line.count,
            "first_at": line.first_at,
            "text": line.description(),
            "by_staff": line.event.action == "staff_viewed",
            # SECURITY: a staff member's network is theirs, not the learner's to see.
            "network": line.event.network if line.event.actor_role in (ActorRole.SUBJECT, ActorRole.SYSTEM) else "",
        }
        for line in page.lines
    ]
    context = {
        "page": page,
        "entries": entries,
        "kinds": ActivityKind.choices,
        "kind": kind,
        "kind_label": ActivityKind(kind).label if kind else "",
        "errors": [message for messages in form.errors.values() for message in messages],
        "tab": "security",
    }
    return render(request, "privacy/account_activity.html", context, status=400 if form.errors else 200)

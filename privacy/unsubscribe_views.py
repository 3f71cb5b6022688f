"""The one-click unsubscribe page that marketing emails link to (RFC 8058); no sign-in needed."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .exceptions import UnsubscribeLinkError, UnsubscribeLinkExpired
from .marketing import unsubscribe_token_read
from .models import CONSENT_PURPOSES, Consent
from .services import consent_record


# SECURITY: CSRF-exempt because mail clients send the RFC 8058 one-click POST
# without cookies or a CSRF token. The signed token alone decides whose consent
# changes, and the only possible effect is an idempotent withdrawal of that
# learner's own consent (GDPR Art. 7(3)), so a forged POST gains nothing.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: offer an "Unsubscribe" button; POST (button or mail client): withdraw the consent.

    GET never changes anything, so link scanners that fetch it do no harm
    (RFC 8058 §1). A tampered link answers 400 and an expired one 410, both
    with a page that explains what to do; nothing is changed.
    """
    try:
        unsubscription = unsubscribe_token_read(token)
    except UnsubscribeLinkError as error:
        return render(
            request,
            "privacy/unsubscribe_invalid.html",
            {"error": error, "expired": isinstance(error, UnsubscribeLinkExpired)},
            status=error.status_code,
        )
    context = {"purpose_text": CONSENT_PURPOSES[unsubscription.purpose]}
    if request.method == "POST":
        consent_record(
            actor=unsubscription.user,
            user=unsubscription.user,
            purpose=unsubscription.purpose,
            granted=False,
            source=Consent.Source.UNSUBSCRIBE,
        )
        return render(request, "privacy/unsubscribe_done.html", context)
    return render(request, "privacy/unsubscribe.html", context)

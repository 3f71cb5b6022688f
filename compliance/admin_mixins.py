"""Admin building blocks: access transparency for staff views of personal data, and staff search."""

from functools import reduce

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from .models import StaffViewShown
from .registry import registry
from .services import staff_access_record, staff_access_record_many

#: ``finder(*, subject, staff) -> str``: the reference of the data-rights request ``staff`` works on for
#: ``subject``, or "". Registered by the app that holds the requests (``staff_work_reference_register``).
_staff_work_reference = []


def staff_work_reference_register(finder):
    """Tell access transparency how to find the data-rights request a staff member works on.

    Args:
        finder: ``finder(*, subject, staff) -> str``, a request reference or "".
    """
    _staff_work_reference[:] = [finder]


class AccessTransparencyMixin:
    """Record in the learner's audit log each time staff open their personal data in admin.

    Mix into the ``ModelAdmin`` of every model the personal-data registry declares.
    Each change or history page shown (status 200, whatever the method) writes one ``STAFF_VIEWED`` event
    for the record's data subject, naming the open data-rights request the staff member
    is working on when there is one; the learner sees it on their Account activity
    page, with the staff member's role, not their name.

    Where ``access_list_name`` is set, each list page shown (a search's results
    included) writes one such event for each data subject on it, saying whether it
    was a list or a search but never what was searched for.
    """

    #: What the learner is told was viewed, e.g. "your account": marked with ``gettext_noop``, recorded in
    #: English and shown translated (``compliance.selectors.staff_view_in_words``).
    access_view_name = gettext_noop("your data")
    #: What a row of the list shows the learner, e.g. "your account", marked like ``access_view_name``; None: lists
    #: record nothing (work queues, through which staff see the learners whose requests they work).
    access_list_name = None

    def access_subject(self, obj):
        """Return the data subject of ``obj`` (found through the registry's subject lookup), or None."""
        declaration = registry.get(type(obj))
        if declaration is None:
            return None
        if not declaration.subject_lookup:
            return obj
        if declaration.subject_field:
            # The model names its subject by a value, e.g. the username typed at sign-in.
            value = getattr(obj, declaration.subject_lookup, None)
            return get_user_model()._default_manager.filter(**{declaration.subject_field: value}).first()
        return reduce(lambda value, name: getattr(value, name, None), declaration.subject_lookup.split("__"), obj)

    def access_request_reference(self, request, obj, subject):
        """Return the reference of the data-rights request the viewing staff member works on, or ""."""
        return "".join(finder(subject=subject, staff=request.user) for finder in _staff_work_reference)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url=form_url, extra_context=extra_context)
        self._record_access(request, response, object_id, self.access_view_name)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context=extra_context)
        self._record_access(request, response, object_id, self.access_view_name, shown=StaffViewShown.HISTORY)
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        if self.access_list_name:
            self._record_list_access(request, response)
        return response

    def access_subject_ids(self, objs):
        """Return the ids of the data subjects of ``objs`` (rows of this admin's model), in at most one query."""
        declaration = registry.get(self.model)
        if declaration is None:
            return set()
        if not declaration.subject_lookup:
            return {obj.pk for obj in objs}
        if declaration.subject_field:
            values = {getattr(obj, declaration.subject_lookup, None) for obj in objs}
            users = get_user_model()._default_manager.filter(**{f"{declaration.subject_field}__in": values})
            return set(users.values_list("pk", flat=True))
        rows = self.model._default_manager.filter(pk__in=[obj.pk for obj in objs])
        return set(rows.values_list(declaration.subject_lookup, flat=True)) - {None}

    def _record_list_access(self, request, response):
        """Write one ``STAFF_VIEWED`` event per data subject on a list page shown (status 200, any method).

        Written once the page has rendered, in one query (plus the actor's role); the
        staff member's own record is left out, and so is the search term: it may be
        an email address.
        """
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        # SECURITY: whatever the method: a POST (or HEAD) showing the list shows the same accounts.
        if response.status_code != 200 or changelist is None:
            return
        shown = StaffViewShown.SEARCH if changelist.query else StaffViewShown.LIST

        def record(rendered=None):
            subjects = self.access_subject_ids(changelist.result_list) - {request.user.pk}
            if subjects:
                staff_access_record_many(
                    actor=request.user,
                    subjects=sorted(subjects),
                    view=self.access_list_name,
                    shown=shown,
                    listed=self.opts.label_lower,
                )

        if getattr(response, "is_rendered", True):
            record()
        else:
            response.add_post_render_callback(record)

    def _record_access(self, request, response, object_id, view, shown=""):
        """Write one ``STAFF_VIEWED`` event when a page showed another person's record (status 200, any method).

        Admin pages render lazily: the event is written once the page has rendered, so a
        page that fails while rendering (and so showed nothing) records nothing.
        """
        if response.status_code != 200:  # SECURITY: any method: a POST answered with the page shows it too
            return
        obj = self.get_object(request, unquote(object_id))
        subject = self.access_subject(obj) if obj is not None else None
        if subject is None or subject.pk == request.user.pk:
            return

        def record(rendered=None):
            staff_access_record(
                actor=request.user,
                subject=subject,
                view=view,
                request_reference=self.access_request_reference(request, obj, subject),
                shown=shown,
            )

        if getattr(response, "is_rendered", True):
            record()
        else:
            response.add_post_render_callback(record)


class StaffSearchMixin:
    """Give staff who are not superusers their own search fields and hint (``staff_search_fields``).

    SECURITY: they find a person by an email address in full (``=email``), never by a
    fragment: a fragment would list addresses they have no request to work on.
    """

    staff_search_fields = ()
    staff_search_help_text = ""

    def get_search_fields(self, request):
        return self.search_fields if request.user.is_superuser else self.staff_search_fields

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not request.user.is_superuser:
            changelist.search_help_text = self.staff_search_help_text
        return changelist

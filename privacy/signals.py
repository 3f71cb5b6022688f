"""Signal receivers of the privacy app, connected in ``PrivacyConfig.ready()``."""

from learnerportal.learner_cache import learner_cache_drop_for


def public_profile_visibility_changed(sender, instance, **kwargs):
    """Drop the cached public profile of a learner whose visibility settings were saved or deleted.

    A receiver rather than a call in ``profile_visibility_update``: whichever code
    writes the settings, a field its owner hid is never served from the cache again.
    """
    learner_cache_drop_for(instance)

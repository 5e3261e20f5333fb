from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY


@receiver(user_logged_in)
def stamp_session_start(sender, request, user, **kwargs) -> None:
    """Start the absolute and idle clocks of a new session."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now

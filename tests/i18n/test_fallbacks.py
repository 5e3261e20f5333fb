"""clinic.i18n.drop_empty_fallbacks: messages without a translation no longer walk a chain of
empty catalogs, and every message still comes back as before."""

from __future__ import annotations

import gettext as gettext_module

from django.utils import translation
from django.utils.translation import trans_real

from clinic.i18n import drop_empty_fallbacks


def _chain(code: str) -> list:
    links, link = [], trans_real.translation(code)
    while link is not None:
        links.append(link)
        link = getattr(link, "_fallback", None)
    return links


def test_no_empty_catalog_is_left_in_the_chain():
    drop_empty_fallbacks()
    for code in ["en-gb", "es"]:
        for link in _chain(code)[1:]:
            if isinstance(link, gettext_module.GNUTranslations) and not isinstance(
                link, trans_real.DjangoTranslation
            ):
                assert set(link._catalog) - {""}, f"{code}: an empty catalog is still chained"


def test_messages_come_back_as_before():
    drop_empty_fallbacks()
    with translation.override("es"):
        assert translation.gettext("Sign out") == "Cerrar sesión"
        # Django's own catalogue, merged in: still translated.
        assert translation.gettext("This field is required.") == "Este campo es obligatorio."
        assert translation.gettext("Not a message we have") == "Not a message we have"
        assert translation.ngettext("%(n)s apple", "%(n)s apples", 1) == "%(n)s apple"
        assert translation.ngettext("%(n)s apple", "%(n)s apples", 3) == "%(n)s apples"
    with translation.override("en-gb"):
        assert translation.gettext("Sign out") == "Sign out"
        assert translation.gettext("Not a message we have") == "Not a message we have"
        assert translation.ngettext("one pear", "%(n)s pears", 2) == "%(n)s pears"
        assert translation.pgettext("navigation", "Main") == "Main"


def test_safe_to_run_again_after_the_catalogues_are_reloaded(settings):
    trans_real._translations = {}  # what a change of LANGUAGES or LOCALE_PATHS does
    drop_empty_fallbacks()
    drop_empty_fallbacks()
    with translation.override("es"):
        assert translation.gettext("Sign out") == "Cerrar sesión"
    assert len(_chain("en-gb")) == 1

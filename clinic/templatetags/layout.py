"""`{% layoutcache name var ... %}...{% endlayoutcache %}`: the fixed parts of the layout (the
header and its navigation, the footer, the idle warning's text) rendered once per process for each
combination of the variables named and the active language, then reused.

It works as Django's `{% cache %}` tag does (the same fragment keys), with its own cache in the
process's memory: never Redis, so a page never waits for it, and untouched by the CACHES setting.
It always varies on the language active when it renders, so a fragment in one language is never
served in another. A fragment must show only what its variables and the language decide: nothing
of the person but what is named, and never a CSRF token or the page's own address.
"""

from __future__ import annotations

from django import template
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.utils import make_template_fragment_key
from django.utils import translation

register = template.Library()

# A fragment per page kind, role, language and badge count: a few hundred in a busy process.
FRAGMENTS = LocMemCache("rapport-layout", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 2000}})


class LayoutCacheNode(template.Node):
    def __init__(self, nodelist, name: str, vary_on: list):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        language = translation.get_language() or ""
        vary_on = [language, *(var.resolve(context) for var in self.vary_on)]
        key = make_template_fragment_key(self.name, vary_on)
        value = FRAGMENTS.get(key)
        if value is None:
            value = self.nodelist.render(context)
            FRAGMENTS.set(key, value)
        return value


@register.tag
def layoutcache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'layoutcache' needs a fragment name.")
    nodelist = parser.parse(("endlayoutcache",))
    parser.delete_first_token()
    return LayoutCacheNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])

"""Django's ``i18n`` library with ``translate`` remembering constant messages.

Mapped to the name ``i18n`` in the settings, so ``{% load i18n %}`` loads it; see
core/template_cache.py.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n as django_i18n

from dangol.core.template_cache import CachedTranslateNode

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    node.__class__ = CachedTranslateNode
    return node

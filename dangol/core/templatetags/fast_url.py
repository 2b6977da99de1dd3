"""The ``url`` tag, remembering constant links (a builtin: see core/template_cache.py)."""

from __future__ import annotations

from django import template
from django.template.defaulttags import url as django_url

from dangol.core.template_cache import CachedURLNode

register = template.Library()


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    node.__class__ = CachedURLNode
    return node

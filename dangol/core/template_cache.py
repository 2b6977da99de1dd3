"""``{% translate %}`` and ``{% url %}`` nodes that remember constant results.

Every page prints dozens of constant ``{% translate "…" %}`` strings and ``{% url
'name' %}`` links; Django looks each one up again on every render (the 360 page: ~55
translations and ~10 constant reversals, about a tenth of its CPU; docs/performance.md,
"Per-request CPU"). These nodes compute a constant tag's output once per language (for
``translate``) or per URLconf, script prefix and current app (for ``url``) and reuse it.
Tags with variables or filters render exactly as before. ``url`` comes from the builtin
``dangol.core.templatetags.fast_url`` (``TEMPLATES`` options), which wins over Django's;
``translate``/``trans`` are swapped in Django's own ``i18n`` library when the app starts
(``install_cached_translate``), since a second library named ``i18n`` would be flagged by
Django's checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from django.core.signals import setting_changed
from django.template import Variable
from django.template.base import render_value_in_context
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

# Bumped when a setting that changes translations or URLs changes (tests override them).
_generation = itertools.count()
_current = [next(_generation)]
_RESETTING = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS", "ROOT_URLCONF"}


def _reset(*, setting, **kwargs) -> None:
    if setting in _RESETTING:
        _current[0] = next(_generation)


setting_changed.connect(_reset)


def translations_generation() -> int:
    """Return a number that changes when a setting that changes translations or URLs does."""
    return _current[0]


def _do_translate(parser, token):
    from django.templatetags import i18n

    node = i18n.do_translate(parser, token)
    node.__class__ = CachedTranslateNode
    return node


def install_cached_translate() -> None:
    """Make ``{% translate %}`` and ``{% trans %}`` compile to ``CachedTranslateNode``."""
    from django.templatetags import i18n

    i18n.register.tags["translate"] = i18n.register.tags["trans"] = _do_translate


def _constant(expression) -> bool:
    """Return whether a tag argument is a literal with no filters."""
    return not isinstance(expression.var, Variable) and not expression.filters


class CachedTranslateNode(TranslateNode):
    """``TranslateNode`` whose constant message is translated once per language."""

    def render(self, context):
        literal = isinstance(self.filter_expression.var, Variable) and (
            self.filter_expression.var.literal is not None
        )
        if (
            not literal
            or self.filter_expression.filters
            or self.noop
            or (self.message_context is not None and not _constant(self.message_context))
        ):
            return super().render(context)
        key = (_current[0], get_language(), context.autoescape)
        cache = self.__dict__.setdefault("_dangol_cache", {})
        value = cache.get(key)
        if value is None:
            value = cache[key] = self._translate(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def _translate(self, context):
        # TranslateNode.render without the asvar branch (the same steps, the same result).
        self.filter_expression.var.translate = True
        if self.message_context:
            self.filter_expression.var.message_context = self.message_context.resolve(context)
        value = render_value_in_context(self.filter_expression.resolve(context), context)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        return mark_safe(value) if is_safe else value  # noqa: S308 (as TranslateNode does)


class CachedURLNode(URLNode):
    """``URLNode`` that reverses a constant link once, and a link by ids once as a pattern.

    ``{% url 'customers:detail' customer.pk %}`` in a table row: the path is reversed once
    with two sets of stand-in ids and kept as text around the ids, if both come out as
    that text with the ids in it (Django's ``int`` converter); each row then only
    inserts its ids. Any other value (not a non-negative int) is reversed as before.
    """

    def render(self, context):
        if not _constant(self.view_name) or not all(_constant(v) for v in self.kwargs.values()):
            return super().render(context)
        variable = tuple(i for i, a in enumerate(self.args) if not _constant(a))
        values = [a.resolve(context) for a in self.args]
        if any(type(values[i]) is not int or values[i] < 0 for i in variable):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        # The language too: with i18n_patterns a path would start with it.
        key = (
            _current[0],
            get_resolver(get_urlconf()),
            get_script_prefix(),
            get_language(),
            current_app,
        )
        cache = self.__dict__.setdefault("_dangol_cache", {})
        pattern = cache.get(key)
        if pattern is None:
            try:
                pattern = self._pattern(context, values, variable, current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                pattern = ""  # not remembered: the next render tries again, as Django does
            else:
                if len(cache) > 64:  # tests swapping URLconfs over and over
                    cache.clear()
                cache[key] = pattern
        if pattern is _UNPATTERNED:
            return super().render(context)
        if isinstance(pattern, str):
            url = pattern
        else:
            url = "".join(p if isinstance(p, str) else str(values[p]) for p in pattern)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url

    def _pattern(self, context, values, variable, current_app):
        view_name = self.view_name.resolve(context)
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        return _url_pattern(view_name, values, kwargs, variable, current_app)


_UNPATTERNED = object()


def _url_pattern(view_name: str, values: list, kwargs: dict, variable: tuple, current_app):
    """Return the URL (no variable ids) or its parts: text and argument positions."""
    if not variable:
        return reverse(view_name, args=values, kwargs=kwargs, current_app=current_app)
    reverse(view_name, args=values, kwargs=kwargs, current_app=current_app)  # may raise
    trials = []
    for base in (8_100_000_000_007, 9_200_000_000_009):
        args = list(values)
        for n, i in enumerate(variable):
            args[i] = base + 1_000 * n
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:  # a pattern that takes no such id: reverse each time
            return _UNPATTERNED
        parts: list = []
        rest = url
        for n, i in enumerate(variable):
            text = str(base + 1_000 * n)
            if rest.count(text) != 1:
                return _UNPATTERNED
            before, rest = rest.split(text)
            parts += [before, i]
        parts.append(rest)
        trials.append(parts)
    return tuple(trials[0]) if trials[0] == trials[1] else _UNPATTERNED


_by_id: dict = {}


def url_by_id(view_name: str) -> Callable[[int], str]:
    """Return a function giving ``reverse(view_name, args=[pk])`` from a pattern around the id.

    For code that prints a link per row outside a template node (the node above does the
    same for ``{% url %}``). The pattern is kept per URLconf, script prefix and language;
    take the function once per page, not once per row. Any id that is not a non-negative
    int is reversed as before.
    """
    key = (_current[0], get_resolver(get_urlconf()), get_script_prefix(), get_language(), view_name)
    pattern = _by_id.get(key)
    if pattern is None:
        if len(_by_id) > 64:  # tests swapping URLconfs over and over
            _by_id.clear()
        pattern = _by_id[key] = _url_pattern(view_name, [1], {}, (0,), None)
    if pattern is _UNPATTERNED:
        return lambda pk: reverse(view_name, args=[pk])
    head, _, tail = pattern

    def url(pk: int) -> str:
        if type(pk) is not int or pk < 0:
            return reverse(view_name, args=[pk])
        return f"{head}{pk}{tail}"

    return url

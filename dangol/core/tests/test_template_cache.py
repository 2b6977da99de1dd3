"""Constant ``{% translate %}`` and ``{% url %}`` render as Django's tags do, in every case."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.templatetags import i18n
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import override

from dangol.core.template_cache import CachedTranslateNode, CachedURLNode
from dangol.core.tests.test_translations import compiled_catalogue  # noqa: F401 (fixture)

SOURCE = (
    "{% load i18n %}"
    "[{% translate 'Customers' %}|{% trans \"Log out\" %}|{% translate 'Search' as s %}{{ s }}"
    "|{% translate 'May' context 'month name' %}|{% translate '50%% off' %}"
    "|{% translate name %}|{% translate 'Customers'|upper %}|{% translate 'x' noop %}"
    "|{% url 'customers:list' %}|{% url 'customers:detail' 7 %}|{% url 'customers:detail' pk %}"
    "|{% url 'customers:list' as u %}{{ u }}|{% url 'no-such-view' as missing %}[{{ missing }}]"
    "|{% url 'customers:export' 'a&b' %}"
    "|{% autoescape off %}{% url 'customers:export' 'a&b' %}{% endautoescape %}"
    "|{% url 'customers:detail' big %}|{% url 'customers:detail' pk as d %}{{ d }}"
    "|{% url 'customfields:record_edit' 'customer' pk %}|{% url 'customers:export' pk %}"
    "|{% url 'customers:detail' zero %}]"
)
CONTEXT = {"name": "Orders", "pk": 9, "big": 10**15, "zero": 0}


def _plain(source: str):
    """Return ``source`` compiled with Django's own translate and url tags."""
    saved = dict(i18n.register.tags)
    i18n.register.tags.update(translate=i18n.do_translate, trans=i18n.do_translate)
    try:
        template = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(source)
    finally:
        i18n.register.tags.update(saved)
    assert not any(isinstance(n, CachedTranslateNode | CachedURLNode) for n in _nodes(template))
    return template


def _nodes(template):
    return [node for nodelist in [template.nodelist] for node in nodelist]


def _render(engine_template, language: str) -> str:
    with override(language):
        return engine_template.render(Context(CONTEXT))


def test_the_project_engine_uses_the_cached_nodes():
    template = engines["django"].from_string("{% load i18n %}{% translate 'a' %}{% url 'home' %}")
    classes = {type(node) for node in template.template.nodelist}
    assert {CachedTranslateNode, CachedURLNode} <= classes


@pytest.mark.parametrize("language", ["ko", "en", "ko"])
def test_output_matches_djangos_tags(language, compiled_catalogue):  # noqa: F811
    plain = _plain(SOURCE)
    cached = engines["django"].from_string(SOURCE).template
    expected = _render(plain, language)
    assert _render(cached, language) == expected
    assert _render(cached, language) == expected  # and again, from the cache
    assert reverse("customers:list") in expected
    assert ("고객" in expected) is (language == "ko")


def test_a_missing_view_still_raises():
    template = engines["django"].from_string("{% url 'no-such-view' %}").template
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            template.render(Context({}))


@pytest.mark.parametrize("pk", [-1, "abc", True, None, "12"])
def test_values_that_are_not_ids_reverse_as_before(pk):
    source = "{% url 'customers:detail' pk %}"
    cached = engines["django"].from_string(source).template
    plain = _plain(source)
    cached.render(Context({"pk": 5}))  # the pattern is known
    try:
        expected = plain.render(Context({"pk": pk}))
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            cached.render(Context({"pk": pk}))
    else:
        assert cached.render(Context({"pk": pk})) == expected


def test_the_script_prefix_is_respected():
    template = engines["django"].from_string("{% url 'customers:list' %}")
    request = RequestFactory().get("/")
    first = template.render({}, request)
    from django.urls import set_script_prefix

    set_script_prefix("/crm/")
    try:
        assert template.render({}, request) == "/crm/" + first.lstrip("/")
    finally:
        set_script_prefix("/")
    assert template.render({}, request) == first


def test_a_changed_setting_is_seen(compiled_catalogue):  # noqa: F811
    source = "{% load i18n %}{% translate 'Customers' %}"
    template = engines["django"].from_string(source)
    plain = _plain(source)
    with override("ko"):
        assert template.render({}) == "고객"
        with override_settings(LOCALE_PATHS=[]):
            assert template.render({}) == plain.render(Context({})) == "Customers"
    with override("ko"):
        assert template.render({}) == plain.render(Context({})) == "고객"


@pytest.mark.parametrize("pk", [0, 7, 12_345_678_901, -1, "abc", "12"])
def test_url_by_id_gives_what_reverse_gives(pk):
    from django.urls import set_script_prefix

    from dangol.core.template_cache import url_by_id

    for prefix in ("/", "/crm/"):
        set_script_prefix(prefix)
        try:
            url = url_by_id("customers:detail")
            try:
                expected = reverse("customers:detail", args=[pk])
            except NoReverseMatch:
                with pytest.raises(NoReverseMatch):
                    url(pk)
            else:
                assert url(pk) == expected
        finally:
            set_script_prefix("/")

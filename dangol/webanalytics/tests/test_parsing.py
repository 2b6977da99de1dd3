from __future__ import annotations

import pytest

from dangol.webanalytics.parsing import (
    Referrer,
    client_ip,
    ip_anonymize,
    referrer_classify,
    user_agent_parse,
    utm_params,
)

PAGE = "https://shop.example.com/coats"


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        (
            "https://search.naver.com/search.naver?where=nexearch&query=%EB%8B%A8%EA%B3%A8",
            Referrer("search", "Naver", "단골"),
        ),
        ("https://m.search.naver.com/search.naver?query=coat", Referrer("search", "Naver", "coat")),
        (
            "https://search.daum.net/search?w=tot&q=winter+coat",
            Referrer("search", "Daum", "winter coat"),
        ),
        (
            "https://www.google.com/search?q=wool%20coat&hl=ko",
            Referrer("search", "Google", "wool coat"),
        ),
        (
            "https://www.google.co.kr/search?q=%EC%BD%94%ED%8A%B8",
            Referrer("search", "Google", "코트"),
        ),
        ("https://www.google.com/", Referrer("search", "Google", "")),
        ("https://www.bing.com/search?q=parka&form=QBLH", Referrer("search", "Bing", "parka")),
        ("https://search.yahoo.com/search?p=jacket", Referrer("search", "Yahoo", "jacket")),
        ("https://duckduckgo.com/?q=scarf", Referrer("search", "DuckDuckGo", "scarf")),
        ("https://www.baidu.com/s?wd=hat", Referrer("search", "Baidu", "hat")),
        ("https://yandex.ru/search/?text=boots", Referrer("search", "Yandex", "boots")),
        ("https://www.facebook.com/", Referrer("social", "Facebook")),
        ("https://l.facebook.com/l.php?u=x", Referrer("social", "Facebook")),
        ("https://www.instagram.com/p/abc", Referrer("social", "Instagram")),
        ("https://t.co/xyz", Referrer("social", "X")),
        ("https://twitter.com/dangol", Referrer("social", "X")),
        ("https://story.kakao.com/_abc", Referrer("social", "Kakao Story")),
        ("https://talk.kakao.com/", Referrer("social", "KakaoTalk")),
        ("https://band.us/band/123", Referrer("social", "Band")),
        ("https://www.linkedin.com/feed/", Referrer("social", "LinkedIn")),
        ("https://www.youtube.com/watch?v=1", Referrer("social", "YouTube")),
        ("https://blog.naver.com/someone/223", Referrer("social", "Naver Blog")),
        ("https://cafe.naver.com/coats", Referrer("social", "Naver Cafe")),
        ("https://news.example.org/story", Referrer("website", "news.example.org")),
        ("https://www.shop.example.com/cart", Referrer("internal", "shop.example.com")),
        ("", Referrer("direct")),
    ],
)
def test_referrer_classify(referrer, expected):
    assert referrer_classify(referrer=referrer, page_url=PAGE) == expected


def test_utm_parameters_make_a_campaign_and_win_over_the_referrer():
    url = "https://shop.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    assert referrer_classify(referrer="https://www.google.com/search?q=x", page_url=url) == (
        Referrer("campaign", "newsletter")
    )
    assert utm_params(url) == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring",
    }
    assert utm_params(PAGE) == {"utm_source": "", "utm_medium": "", "utm_campaign": ""}


def test_other_hosts_of_the_site_are_internal():
    assert referrer_classify(
        referrer="https://blog.example.com/post",
        page_url=PAGE,
        site_hosts=frozenset({"blog.example.com"}),
    ) == Referrer("internal", "blog.example.com")


@pytest.mark.parametrize(
    ("ua", "browser", "version", "os", "device"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Chrome",
            "120",
            "Windows",
            "desktop",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            "17",
            "iOS",
            "mobile",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            "16",
            "iOS",
            "tablet",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            "23",
            "Android",
            "mobile",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Chrome",
            "120",
            "Android",
            "tablet",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox",
            "121",
            "Mac OS X",
            "desktop",
        ),
    ],
)
def test_user_agent_parse(ua, browser, version, os, device):
    agent = user_agent_parse(ua)
    assert (agent.browser, agent.browser_version, agent.os, agent.device, agent.is_bot) == (
        browser,
        version,
        os,
        device,
        False,
    )


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)",
        "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html?faqId=28966)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "curl/8.5.0",
        "python-requests/2.31.0",
        "",
    ],
)
def test_bots_are_recognised(ua):
    assert user_agent_parse(ua).is_bot is True


def test_headless_chrome_is_a_bot_unless_allowed():
    ua = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36"
    )
    assert user_agent_parse(ua).is_bot is True
    allowed = user_agent_parse(ua, allow_headless=True)
    assert (allowed.is_bot, allowed.browser, allowed.os) == (False, "Chrome", "Linux")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:1234:5678:9abc:def0:1234", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("not an address", ""),
    ],
)
def test_ip_anonymize(address, expected):
    assert ip_anonymize(address) == expected


def test_forwarded_for_counts_only_behind_a_trusted_proxy():
    chain = "198.51.100.1, 203.0.113.9"
    assert client_ip(remote_addr="10.0.0.2", forwarded_for=chain, trusted_proxies=[]) == "10.0.0.2"
    assert (
        client_ip(remote_addr="10.0.0.2", forwarded_for=chain, trusted_proxies=["10.0.0.0/8"])
        == "203.0.113.9"
    )
    assert (
        client_ip(
            remote_addr="10.0.0.2",
            forwarded_for=chain,
            trusted_proxies=["10.0.0.0/8", "203.0.113.9"],
        )
        == "198.51.100.1"
    )

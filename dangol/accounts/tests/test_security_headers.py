"""Production settings and the Content-Security-Policy.

``check --deploy`` runs in a child process with the production environment, as an
operator would run it, and must print no warning at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import dangol

PACKAGE = Path(dangol.__file__).resolve().parent


def _deploy_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DANGOL_", "DJANGO_")) and key != "DEBUG"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dangol.config.settings",
        DANGOL_DATA_DIR=str(tmp_path),
        DANGOL_PRODUCTION="1",
        DANGOL_SECRET_KEY="k" + "x7Qp2mZ9vR4tL8wN3bY6cH1jF5gD0sAeU" * 2,
        DANGOL_ALLOWED_HOSTS="crm.example.com",
        PYTHONPATH=str(PACKAGE.parent),  # this checkout's code, whatever is installed
        **extra,
    )
    return env


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    result = _check_deploy(_deploy_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_behind_a_proxy_that_redirects_silences_only_w008(tmp_path):
    result = _check_deploy(_deploy_env(tmp_path, DANGOL_SSL_REDIRECT="0", DANGOL_BEHIND_PROXY="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_check_deploy_fails_without_production_settings(tmp_path):
    env = _deploy_env(tmp_path)
    del env["DANGOL_PRODUCTION"]
    result = _check_deploy(env)
    assert result.returncode == 1
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stdout + result.stderr


def test_pages_carry_a_nonce_policy_and_the_security_headers(db, sales):
    client = Client()
    client.force_login(sales)
    response = client.get("/customers/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    assert "frame-ancestors 'none'" in policy
    assert f'"inlineScriptNonce": "{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    # A new nonce on every response.
    again = client.get("/customers/")["Content-Security-Policy"]
    assert again != policy


TEMPLATE_DIRS = sorted(PACKAGE.glob("**/templates"))


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (
            re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>"),
            "inline script without nonce",
        ),
        (re.compile(r"<style(?![^>]*\bnonce=)[^>]*>"), "inline style element without nonce"),
        (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE), "inline event handler"),
        (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
    ],
)
def test_templates_have_nothing_the_policy_would_block(pattern, what):
    offenders = [
        f"{path.relative_to(PACKAGE)}:{text[: m.start()].count(chr(10)) + 1}"
        for directory in TEMPLATE_DIRS
        for path in directory.glob("**/*.html")
        for text in [path.read_text(encoding="utf-8")]
        for m in pattern.finditer(text)
    ]
    assert offenders == [], f"{what}: {offenders}"

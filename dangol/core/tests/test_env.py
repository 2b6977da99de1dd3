"""Settings read from the environment: the parsers in dangol/config/env.py."""

import pytest

from dangol.config.env import env_mapping


def test_mapping_unset_is_none(monkeypatch):
    monkeypatch.delenv("DANGOL_X", raising=False)
    assert env_mapping("DANGOL_X") is None


def test_mapping_parses_pairs(monkeypatch):
    monkeypatch.setenv("DANGOL_X", " phone=3000, email = 300 ")
    assert env_mapping("DANGOL_X") == {"phone": "3000", "email": "300"}


@pytest.mark.parametrize("value", ["phone", "phone=", "=3", "phone=3,,"])
def test_mapping_names_the_bad_item(monkeypatch, value):
    monkeypatch.setenv("DANGOL_X", value)
    with pytest.raises(ValueError, match="DANGOL_X must look like key=value"):
        env_mapping("DANGOL_X")

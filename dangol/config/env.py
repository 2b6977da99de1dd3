"""Read the process environment: the one place in Dangol that does.

Settings modules import from here; application code reads ``django.conf.settings``
at call time, never the environment and never settings at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def env_str(name: str, default: str = "") -> str:
    """Return the variable ``name`` as a string, or ``default`` when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_str_or_empty(name: str, default: str) -> str:
    """Return the variable ``name``, ``default`` only when unset: set but empty stays ``""``."""
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool = False) -> bool:
    """Return the variable ``name`` read as a boolean (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    """Return the variable ``name`` as an integer, failing loudly on garbage."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable ``name`` split on commas."""
    value = os.environ.get(name, "")
    if value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_mapping(name: str) -> dict[str, str] | None:
    """Return ``key=value,key=value`` from the variable ``name`` as a dict; None when unset."""
    value = os.environ.get(name, "")
    if value.strip() == "":
        return None
    out = {}
    for item in value.split(","):
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ValueError(f"{name} must look like key=value,key=value; got item {item!r}")
        out[key.strip()] = val.strip()
    return out


def data_dir() -> Path:
    """Return ``DANGOL_DATA_DIR`` (default ``./var``), created if missing."""
    path = Path(env_str("DANGOL_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path

"""Sign webhook bodies and verify signatures (HMAC-SHA256 over ``"{timestamp}.{body}"``)."""

from __future__ import annotations

import hashlib
import hmac
import time


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``X-Dangol-Signature`` value: ``sha256=<hex digest>``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def webhook_signature_verify(
    *,
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """Return whether ``signature`` signs ``body`` at ``timestamp`` within ``tolerance`` s.

    The timestamp bound stops an intercepted request from being replayed later.
    """
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - stamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=stamp, body=body)
    return hmac.compare_digest(expected, signature)

"""A machine-translation provider with the LibreTranslate API (``POST /translate``).

Off unless ``MT_URL`` (``KENES_MT_URL``) is set; ``MT_API_KEY`` is sent when the provider
needs one. The call has a short timeout: it runs in a job, never in a request.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.errors import ConsultError


class MachineTranslationFailed(ConsultError):
    """The machine-translation provider did not answer with a translation."""

    status = 502
    code = "machine_translation_failed"


def translate_text(
    url: str, text: str, source: str, target: str, *, api_key: str = "", timeout: float = 20.0
) -> str:
    """Translate ``text`` from ``source`` into ``target`` with the provider at ``url``."""
    payload: dict[str, Any] = {"q": text, "source": source, "target": target, "format": "text"}
    if api_key:
        payload["api_key"] = api_key
    if not url.startswith(("http://", "https://")):  # never file: or another scheme
        raise MachineTranslationFailed(_l("The translation service did not answer."))
    request = urllib.request.Request(  # noqa: S310 (an http(s) address, checked above)
        url.rstrip("/") + "/translate",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (checked above)
            answer = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise MachineTranslationFailed(_l("The translation service did not answer.")) from exc
    translated = answer.get("translatedText") if isinstance(answer, dict) else None
    if not isinstance(translated, str) or not translated.strip():
        raise MachineTranslationFailed(_l("The translation service did not answer."))
    return translated.strip()

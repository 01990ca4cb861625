"""Language detection of statements: accuracy on the demo texts (kk, ru, en), time and memory.

Run: .venv/bin/python bench/language_detection.py
"""

from __future__ import annotations

import resource
import time

from consult.consultations.demo_texts import ARGUMENTS, POSITIONS
from consult.consultations.demo_translations import STATEMENTS
from consult.languages import detect

CODES = {"KAZAKH": "kk", "RUSSIAN": "ru", "ENGLISH": "en"}


def main() -> None:
    """Print accuracy, first-detection times, memory and time per detection."""
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    detect.detector().detect_language_of("The city should build a new park.")
    first = time.perf_counter() - start
    start = time.perf_counter()
    detect.detector().detect_language_of("Нужно развивать общественный транспорт.")
    second = time.perf_counter() - start
    cases = [(p[1], "en") for p in POSITIONS] + [(a[1], "en") for a in ARGUMENTS]
    for versions in STATEMENTS.values():
        cases += [(versions["kk"], "kk"), (versions["ru"], "ru")]
    start = time.perf_counter()
    ok = sum(detect.detect_language(text) == lang for text, lang in cases)
    per = (time.perf_counter() - start) / len(cases)
    alone = sum(
        CODES[detect.detector().detect_language_of(text).name] == lang for text, lang in cases
    )
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{ok}/{len(cases)} correct (lingua alone {alone}/{len(cases)}); first detection "
        f"{first:.2f} s, first of another language {second:.2f} s; "
        f"+{(rss1 - rss0) / 1024:.0f} MB RSS; {per * 1000:.1f} ms per statement"
    )


if __name__ == "__main__":
    main()

"""Content languages: a kernel package every domain may use (never the reverse).

The consultation's question, summary and body and every statement exist in one original
language and, optionally, in versions in the other content languages (``LANGUAGES``). Readers
see the version in their interface language; a missing version falls back, visibly, to another.
"""

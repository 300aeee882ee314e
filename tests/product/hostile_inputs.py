"""What the hostile-input tests throw at the product, and how long they may take.

`make test` runs a modest number of examples per property; HYPOTHESIS_PROFILE=long (`make chaos`)
runs many more. Hypothesis' own profiles are process-wide and the emulator tests have theirs, so the
example counts are per test here instead.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("HYPOTHESIS_PROFILE", "") == "long"


def examples(short: int, long: int | None = None) -> settings:
    return settings(
        max_examples=(long or short * 10) if LONG else short,
        deadline=None,
        derandomize=not LONG,  # the same inputs on every `make test`; fresh ones in the long run
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
        database=None,
    )


TRIED = {"count": 0}


def tried() -> None:
    """Count one hostile input sent (the closing report of issue 15 gives the total)."""
    TRIED["count"] += 1


SPECIAL_TEXT = [
    "", " ", "\x00", "a\x00b", "%00", "\r\n", "\t", "\u202e\u202dgnp.exe", "\ufeff", "\u200b", "Ｚｅｒｏ",
    "=cmd|' /C calc'!A0", "+SUM(1,2)", "-1+1", "@SUM(A1)", "=HYPERLINK(\"https://evil.example\")",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% debug %}",
    "' OR '1'='1", "'; DROP TABLE accounts_user; --", "\\", "\\'", "../../etc/passwd",
    "😀" * 60, "名前" * 200, "x" * 5000, "9" * 400, "1e309", "-1e309", "NaN", "Infinity", "-0", "0x10",
    "1.234567890123456789", "-5", "99999999999999999999.99", "None", "null", "[]", "{}", "true",
    "https://evil.example/", "//evil.example", "javascript:alert(1)",
]

# Text a browser or script could put in a form field or query string (no lone surrogates: those
# cannot be encoded into a request at all).
hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=50),
)


class FormFinder(HTMLParser):
    """The POST forms of a page: action and field names (the hostile tests fill them)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("method", "").lower() == "post":
            self._open = (values.get("action", ""), [])
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea") and self._open is not None:
            name = values.get("name", "")
            if name and name != "csrfmiddlewaretoken" and name not in self._open[1]:
                self._open[1].append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[tuple[str, list[str]]]:
    finder = FormFinder()
    finder.feed(html)
    return finder.forms


MESSAGE = re.compile(rb'class="(?:[^"]*\b)?(?:errorlist|notice|error|field-error)\b')

"""Reading form controls out of a rendered page (the standard library's parser, no extra dependency)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.selects: dict[str, list[dict]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "input":
            self.inputs.append(a)
        elif tag == "select":
            self._select = a.get("name", "")
            self.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(a)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def controls(page: str) -> _Controls:
    parser = _Controls()
    parser.feed(page)
    return parser


def date_inputs(page: str) -> dict[str, str | None]:
    """``name → value`` of every ``<input type="date|datetime-local">`` of the page (None: no value attribute)."""
    return {a.get("name", ""): a.get("value") for a in controls(page).inputs
            if a.get("type") in ("date", "datetime-local")}

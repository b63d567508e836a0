"""The console's own `indent` filter must give exactly Jinja's output: it only does it faster."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_indent
from markupsafe import Markup

from app.web.filters import indent

LINES = st.lists(
    st.sampled_from(["", " ", "<p>a</p>", "  <li>&amp;</li>", "\t", "x\r"]), max_size=8
)


@given(
    lines=LINES,
    width=st.one_of(st.integers(0, 8), st.sampled_from(["", "  ", "\t"])),
    first=st.booleans(),
    blank=st.booleans(),
    ending=st.sampled_from(["", "\n", "\r\n"]),
)
def test_indent_matches_jinja_for_markup_and_text(
    lines: list[str], width: int | str, first: bool, blank: bool, ending: str
) -> None:
    text = "\n".join(lines) + ending
    for value in (Markup(text), text):
        ours = indent(value, width, first, blank)
        assert ours == do_indent(value, width, first, blank)
        assert isinstance(ours, Markup) == isinstance(value, Markup)


def test_markup_is_not_escaped_again() -> None:
    assert indent(Markup("<b>\n<i>"), 2) == Markup("<b>\n  <i>")

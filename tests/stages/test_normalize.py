import pyarrow as pa

from builder.stages import TextNormalizer


def test_repairs_mojibake_and_whitespace_but_keeps_lines():
    n = TextNormalizer()
    raw = "Caf\u00c3\u00a9  society\u00a0 opens\r\nsecond\tline \u200b\n\n  third"
    out = n.normalize(raw)
    assert out.split("\n") == ["Café society opens", "second line", "", "third"]


def test_keeps_curly_quotes_and_line_count():
    n = TextNormalizer()
    raw = "Myanmar’s “junta”\u2028x\n—dash"
    out = n.normalize(raw)
    assert out.count("\n") == raw.count("\n")
    assert "Myanmar’s “junta”" in out and "—dash" in out


def test_stage_adds_norm_column():
    t = pa.table({"text_raw": ["a  b", "c"]})
    out = TextNormalizer()(t)
    assert out.column("norm").to_pylist() == ["a b", "c"]


# -- the ftfy fast path: lines ftfy would not change skip it -------------------
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.stages.normalize import FTFY_SAFE_LETTERS_RE, FTFY_SAFE_RE, fix_text_lines

SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "&") + "\t\u2013\u2014\u2018\u2019\u201c\u201d\u2026"
# what ftfy does act on: mojibake, entities, controls, ligatures, wide forms, odd spaces, markup
TRICKY = ["Ã©", "â€™", "Ã¢â‚¬Å“", "&amp;", "&lt;b&gt;", "<p>", "\x1b[31m", "ﬁ", "ＡＢＣ", "\x92", "\x85", "\u00a0",
          "Â ", "é", "\ufffd", "\u200b", "Ã", "&", "\x00"]


def _ftfy(text):
    import ftfy

    return ftfy.fix_text(text, fix_line_breaks=False, normalization=None, uncurl_quotes=False)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=SAFE + "\n", max_size=200))
def test_ftfy_leaves_safe_text_alone(text):
    assert FTFY_SAFE_RE.fullmatch(text)
    assert _ftfy(text) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=SAFE, max_size=30), st.sampled_from(TRICKY), st.just("\n")), max_size=30))
def test_line_by_line_fast_path_equals_ftfy(parts):
    text = "".join(parts)
    assert fix_text_lines(text) == _ftfy(text)


LETTERS = "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xC2, 0xC3, 0xD7, 0xF7))
SYMBOLS = "".join(chr(c) for c in range(0xA1, 0xC0) if c != 0xAD) + "‚„†‡•‰‹›€™"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab XZ.,'-:0<>;#" + "’“”–—…" + LETTERS * 3 + SYMBOLS * 2, max_size=14))
def test_ftfy_leaves_lone_latin1_letters_alone(text):
    if FTFY_SAFE_LETTERS_RE.fullmatch(text):
        assert _ftfy(text) == text


def test_lone_letters_pass_but_letter_runs_go_to_ftfy():
    assert FTFY_SAFE_LETTERS_RE.fullmatch("José Pelé of Zürich, 1958")
    assert FTFY_SAFE_LETTERS_RE.fullmatch("© 2023 The Daily Meridian › Local News • 5°C, €3")
    assert not FTFY_SAFE_LETTERS_RE.fullmatch("Â© 2023")  # mojibake of "©"
    assert not FTFY_SAFE_LETTERS_RE.fullmatch("CafÃ©")  # mojibake: two non-ASCII in a row
    assert not FTFY_SAFE_LETTERS_RE.fullmatch("Ñandú”")  # a letter against a quote
    assert fix_text_lines("CafÃ© in Zürich\nJosé") == "Café in Zürich\nJosé"


_WHITESPACE = [chr(i) for i in range(0x110000) if chr(i).isspace()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WHITESPACE + list("ab\u200b\x00\x07") + ["&#13;", "&#x2028;", "&nbsp;"])).map("".join))
def test_collapsed_lines_have_single_spaces_only(text):
    """Per line, str.split() collapses exactly what is left: no other whitespace than single inner spaces."""
    out = TextNormalizer().normalize(text)
    assert out.count("\n") == text.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    for line in out.split("\n"):
        assert line == line.strip() and "  " not in line and all(c == " " or not c.isspace() for c in line)

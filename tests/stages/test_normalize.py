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

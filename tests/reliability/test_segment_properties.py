"""Property tests of segmentation: any text, every line accounted for, same answer twice."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.stages import BoilerplateSegmenter, TextNormalizer
from tests_helpers import lines_accounted

SEG = BoilerplateSegmenter()
NORM = TextNormalizer()

# lines that look like the parts of scraped pages, mixed with arbitrary text
PARTS = st.sampled_from([
    "Read more:", "Related Stories", "-", "***", "", "   ", "Share on Facebook", "Advertisement",
    "Officials said on Monday that the council had approved the new budget after a long debate.",
    "Council approves budget after long debate",
    "Heavy rain is expected to swell rivers across the north this weekend, with ... Weather -",
    "READ MORE: Council delays vote on housing plan", "• Mayor defends tram plan", "© 2024 Example Media",
    "“Quoted speech,” she said.", "World News",
])
LINE = st.one_of(PARTS, st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                                 max_size=120))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=40))
def test_every_line_is_accounted_for(lines):
    text = NORM.normalize("\n".join(lines))
    r = SEG.segment(text)
    assert lines_accounted(text, r)
    assert SEG.segment(text) == r
    for t in r["teasers"]:
        assert t["headline"] and t["kind"] in ("related", "teaser")
    assert [t["position"] for t in r["teasers"]] == list(range(len(r["teasers"])))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_normalizes_and_segments(text):
    norm = NORM.normalize(text)
    assert norm.count("\n") == text.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    r = SEG.segment(norm)
    assert lines_accounted(norm, r)

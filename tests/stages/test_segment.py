import pytest

from builder.stages import BoilerplateSegmenter
from tests_helpers import lines_accounted

PROSE = [
    "The city council voted on Monday to approve a new budget for the coming year, officials said.",
    "The budget includes money for schools, roads and a new library in the northern district.",
    "Critics said the plan did not do enough to address the rising cost of housing in the city.",
    "The mayor is expected to sign the budget into law later this week, according to her office.",
]


@pytest.fixture(scope="module")
def seg():
    return BoilerplateSegmenter()


def test_body_only(seg):
    text = "\n".join(PROSE)
    r = seg.segment(text)
    assert r["text"] == text and r["teasers"] == [] and r["removed"] == []


def test_menu_header_title_and_footer(seg):
    text = "\n".join(["Home", "World", "Politics", "Sport", "",
                      "Council approves budget after long debate", *PROSE, "",
                      "Share on Facebook", "© 2024 Example Media. All rights reserved.", "Privacy Policy"])
    r = seg.segment(text)
    assert r["text"].split("\n") == PROSE
    assert r["title"] == "Council approves budget after long debate"
    assert r["teasers"] == []
    reasons = {x["text"]: x["reason"] for x in r["removed"]}
    assert reasons["Share on Facebook"] == "boilerplate"
    assert reasons["Home"] in ("outside_body", "boilerplate")
    assert lines_accounted(text, r)


def test_boilerplate_inside_body_is_removed(seg):
    body = PROSE[:2] + ["Sign up for our newsletter to get the latest news every morning."] + PROSE[2:]
    r = seg.segment("\n".join(body))
    assert r["text"].split("\n") == PROSE


def test_related_marker_list(seg):
    heads = ["Mayor unveils plan for new tram line", "Teachers vote to strike over pay", "Storm closes coastal roads"]
    for marker in ("Read more:", "RELATED STORIES", "Also read", "More from Politics", "You may also like"):
        text = "\n".join([*PROSE, marker, *heads])
        r = seg.segment(text)
        assert r["text"].split("\n") == PROSE, marker
        assert [t["headline"] for t in r["teasers"]] == heads, marker
        assert all(t["kind"] == "related" and t["blurb"] is None for t in r["teasers"])


def test_headline_blurb_blocks_with_sections(seg):
    text = "\n".join([*PROSE, "-",
                      "Flood warnings issued for river towns", "Heavy rain is expected to swell rivers across the north this weekend, with ... Weather -",
                      "Minister resigns over expenses row", "The transport minister stepped down on Friday after reports that ... Politics"])
    r = seg.segment(text)
    assert r["text"].split("\n") == PROSE
    assert [(t["headline"], t["section"], t["kind"]) for t in r["teasers"]] == [
        ("Flood warnings issued for river towns", "Weather", "teaser"),
        ("Minister resigns over expenses row", "Politics", "teaser"),
    ]
    assert r["teasers"][0]["blurb"] == "Heavy rain is expected to swell rivers across the north this weekend, with"


def test_inline_read_more_inside_body(seg):
    text = "\n".join(PROSE[:2] + ["READ MORE: Council delays vote on housing plan"] + PROSE[2:])
    r = seg.segment(text)
    assert r["text"].split("\n") == PROSE
    assert [t["headline"] for t in r["teasers"]] == ["Council delays vote on housing plan"]


def test_subheadings_stay_in_body(seg):
    body = PROSE[:2] + ["What happens next"] + PROSE[2:]
    r = seg.segment("\n".join(body))
    assert r["text"].split("\n") == body
    assert r["teasers"] == []


def test_duplicate_headlines_merge(seg):
    text = "\n".join([*PROSE, "Read more:", "Storm closes coastal roads", "Teachers vote to strike over pay", "-",
                      "Storm closes coastal roads", "High winds forced the closure of several roads along the coast on ... News -",
                      "Bakery wins national prize", "A family bakery in the old town won a national award for its bread on ... News -"])
    r = seg.segment(text)
    heads = [t["headline"] for t in r["teasers"]]
    assert heads == ["Storm closes coastal roads", "Teachers vote to strike over pay", "Bakery wins national prize"]
    assert r["teasers"][0]["blurb"].startswith("High winds") and r["teasers"][0]["kind"] == "teaser"


def test_extra_boilerplate_from_config():
    seg = BoilerplateSegmenter(extra_boilerplate=[r"^this report was filed from"])
    text = "\n".join(PROSE + ["This report was filed from the council chamber by our correspondent."])
    assert seg.segment(text)["text"].split("\n") == PROSE


def test_every_line_accounted_for(seg):
    from corpus import article

    for style in ("readmore", "blocks", "related", None):
        text = article(3, style)
        assert lines_accounted(text, seg.segment(text))

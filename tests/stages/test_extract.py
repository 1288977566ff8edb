"""HtmlExtractor: body, metadata and page teasers from small hand-made pages."""

from pathlib import Path

import pyarrow as pa
import pytest

from builder.stages.extract import PAGE_TEASER_TYPE, HtmlExtractor, TeaserFinder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"

BODY = [
    "The new ferry terminal in the harbour town opened on Tuesday morning, two years after the old wooden pier "
    "was closed for safety reasons.",
    "Local shop owners said they hoped the terminal would bring more visitors to the old town, where several cafes "
    "have struggled since the pier closed and the number of day trips fell sharply.",
    "The council plans to add a small museum about the history of the ferry service to the upper floor of the "
    "terminal next year, paid for by a grant from the regional heritage fund.",
]
PROSE = (
    "<p>The river authority said on Wednesday that the flood barrier would be raised twice a day until the "
    "spring tides had passed, and asked drivers to use the upper road.</p>"
    "<p>Engineers have checked the gates after the winter storms and found only minor damage, which will be "
    "repaired over the summer when the water is low and the work is safer.</p>"
    "<p>The authority thanked residents for their patience and said the new warning sirens would be tested on "
    "the first Monday of every month at noon, starting next week.</p>"
)


def page(body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Flood barrier raised for spring tides"
        "</title><link rel='canonical' href='https://www.example.com/news/2024/flood-barrier-raised'>"
        f"{head}</head><body><main><article><h1>Flood barrier raised for spring tides</h1>{body}</article></main>"
        "</body></html>"
    )


@pytest.fixture(scope="module")
def ex():
    return HtmlExtractor()


@pytest.fixture(scope="module")
def article(ex):
    return ex.extract_page((FIXTURES / "article_with_teasers.html").read_text("utf-8"))


def test_body_one_paragraph_per_line_without_headline_or_teasers(article):
    lines = article["text"].split("\n")
    assert len(lines) == 5
    assert lines[0] == BODY[0] and BODY[1] in lines and lines[-1] == BODY[2]
    text = article["text"]
    for gone in ("Harbour town opens new ferry terminal", "Passengers will wait indoors",  # headline, standfirst
                 "Read more", "Council approves budget", "Related stories", "Bus timetable",
                 "More from Politics", "Mayor announces", "Privacy policy", "Arts and Entertainment"):
        assert gone not in text, gone


def test_metadata(article):
    assert article["title"] == "Harbour town opens new ferry terminal"
    assert article["date"] == "2024-05-14"
    assert article["url"] == "https://news.example.org/local/2024/05/harbour-town-opens-new-ferry-terminal"


def test_teasers_related_links_and_cards(article):
    assert article["teasers"] == [
        {"headline": "Council approves budget for ferry repairs", "blurb": None, "section": None, "kind": "related"},
        {"headline": "Bus timetable changes for the summer season", "blurb": None, "section": None, "kind": "related"},
        {"headline": "Storm damage closes the old pier for good", "blurb": None, "section": None, "kind": "related"},
        {"headline": "Harbour cafes report a better spring than expected", "blurb": None, "section": None,
         "kind": "related"},
        {"headline": "Mayor announces bid for a second term",
         "blurb": "The mayor told supporters on Monday that she would stand again in the autumn election.",
         "section": "Elections", "kind": "teaser"},
        {"headline": "Council tax to rise by two percent next year",
         "blurb": "Councillors voted narrowly in favour of the rise after a long debate about road repairs.",
         "section": "Budget", "kind": "teaser"},
    ]


def test_navigation_only_page_has_no_teasers(ex):
    r = ex.extract_page((FIXTURES / "navigation_only.html").read_text("utf-8"))
    assert r["teasers"] == []
    assert r["title"] == "Library extends opening hours"
    assert r["url"] == "https://valley.example.net/news/library-extends-opening-hours"
    lines = r["text"].split("\n")
    assert len(lines) == 4 and lines[0].startswith("The central library will stay open")
    assert "library's own page" in lines[-1]  # a link inside prose stays in the body


def test_card_grid_without_heading_is_teasers(ex):
    cards = "".join(
        f"<div><a href='/news/2024/{slug}'><h3>{h}</h3></a><p>{b}</p></div>"
        for slug, h, b in [
            ("new-bridge-plans", "New bridge plans go on show at the town hall",
             "Residents can see the three designs and vote for their favourite until June."),
            ("school-roof-repairs", "School roof repairs finished ahead of schedule",
             "Pupils return to the science block on Monday after six weeks of work."),
        ]
    )
    r = ex.extract_page(page(PROSE + f"<div class='grid'>{cards}</div>"))
    assert [(t["headline"], t["kind"]) for t in r["teasers"]] == [
        ("New bridge plans go on show at the town hall", "teaser"),
        ("School roof repairs finished ahead of schedule", "teaser"),
    ]
    assert r["teasers"][0]["blurb"].startswith("Residents can see")
    assert "New bridge plans" not in r["text"] and "flood barrier would be raised" in r["text"]


def test_list_of_internal_article_links_is_related(ex):
    links = "".join(f"<li><a href='https://www.example.com/news/2024/{i}-{h.lower().replace(' ', '-')}'>{h}</a></li>"
                    for i, h in enumerate(["Ferry fares frozen for another year", "Coastal path reopens after landslip",
                                           "Lifeboat crew rescue two kayakers"]))
    r = ex.extract_page(page(PROSE + f"<ul>{links}</ul>"))
    assert [t["headline"] for t in r["teasers"]] == ["Ferry fares frozen for another year",
                                                     "Coastal path reopens after landslip",
                                                     "Lifeboat crew rescue two kayakers"]
    assert all(t["kind"] == "related" and t["blurb"] is None for t in r["teasers"])


def test_citations_and_prose_links_are_not_teasers(ex):
    sources = "".join(
        f"<p>{pub}, \"<a href='https://{site}/reports/{slug}'>{title}</a>,\" March 2024</p>"
        for pub, site, slug, title in [
            ("River Board", "rivers.example.org", "annual-tide-report-2023", "Annual Tide Report For The Estuary"),
            ("Weather Office", "weather.example.net", "spring-tide-outlook", "Spring Tide Outlook And Warnings"),
            ("County Council", "county.example.gov", "flood-defence-review", "Review Of Flood Defences In The County"),
        ]
    )
    prose_link = ("<p><a href='/news/2024/barrier-history'>The Old Barrier Was Built In 1962</a> and has been "
                  "raised more than four thousand times since then, according to the records kept by the river "
                  "authority in its office by the bridge.</p>")
    r = ex.extract_page(page(PROSE + prose_link + "<h2>Sources</h2>" + sources))
    assert r["teasers"] == []
    assert "The Old Barrier Was Built In 1962 and has been raised" in r["text"]  # stays in the body
    assert 'River Board, "Annual Tide Report For The Estuary," March 2024' in r["text"].split("\n")


def test_headline_like():
    tf = TeaserFinder()
    assert tf.headline_like("Mayor announces bid for a second term")
    assert tf.headline_like("5 things to know about the new tram line")
    assert not tf.headline_like("Sport")  # too short: a site section
    assert not tf.headline_like("read the full story on our website")  # lower case
    assert not tf.headline_like("Sign up for our daily newsletter")  # interface
    assert not tf.headline_like("Join us at https://example.com/groups/readers today")  # a URL


def test_stage_on_a_table_text_rows_pass_through(ex):
    html = (FIXTURES / "article_with_teasers.html").read_text("utf-8")
    t = pa.table({
        "id": ["a", "b", "c"],
        "raw": ["Plain text stays.\nSecond line.", html, "<html><body></body></html>"],
        "format": ["text", "html", "html"],
        "title": ["Given title", None, None],
        "url": [None, "https://given.example/url", None],
        "date": [None, None, None],
    })
    out = ex(t)
    assert out.schema.field("page_teasers").type == pa.list_(PAGE_TEASER_TYPE)
    rows = out.to_pylist()
    assert rows[0]["text_raw"] == "Plain text stays.\nSecond line." and rows[0]["page_teasers"] == []
    assert rows[0]["title"] == "Given title"
    assert rows[1]["text_raw"].split("\n")[0] == BODY[0]
    assert rows[1]["title"] == "Harbour town opens new ferry terminal" and rows[1]["date"] == "2024-05-14"
    assert rows[1]["url"] == "https://given.example/url"  # the source's URL wins over the page's
    assert len(rows[1]["page_teasers"]) == 6
    assert rows[2]["text_raw"] == "" and rows[2]["page_teasers"] == []


def test_find_teasers_off_keeps_page_as_is(article):
    off = HtmlExtractor(find_teasers=False).extract_page((FIXTURES / "article_with_teasers.html").read_text("utf-8"))
    assert off["teasers"] == []
    assert len(off["text"]) >= len(article["text"])


def test_version_and_broken_input(ex):
    assert ex.version == "extract.trafilatura.v2"
    assert ex.extract_page("")["text"] == ""
    assert ex.extract_page("\x00\x01 not html at all")["teasers"] == []

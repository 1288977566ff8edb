"""Build the cleaning dev set: scraped-style text pages with gold bodies and teaser headlines.

Run ``python tests/devset/make_devset.py`` to (re)write ``tests/devset/txt/*.txt``
and ``tests/devset/gold.json`` (the format of ``builder eval clean``:
``{id: {"articleBody", "url", "teasers"}}``). Everything here is made up for
this project: the stories, names and sites do not exist, so there is no
third-party text.

Each page is a list of ``(line, role)`` pairs: ``"body"`` lines make the gold
body, ``("teaser", headline)`` lines give the gold teaser headlines, anything
else is page furniture. Pages come from

* hand-made pages (``HANDMADE``), written line by line, and
* generated pages: an article (paragraphs, sometimes subheadings, lists, a
  Q&A, quotes) inside page furniture (menus, breadcrumbs, bylines, share
  bars, captions, advertisement lines, newsletter boxes, comments, footers)
  with teasers in one of many house styles (``TEASER_STYLES``), or none.

The generator is seeded, so the files are reproducible.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ----------------------------------------------------------------------------- vocabulary
FIRST = ["Maria", "Jonas", "Priya", "Tomas", "Aiko", "Diego", "Lena", "Samuel", "Elif", "Nadia", "Oskar", "Ines",
         "Kwame", "Mei", "Rafael", "Hanna", "Tariq", "Sofia", "Luca", "Amara", "Felix", "Noor", "Emil", "Zara"]
LAST = ["Okafor", "Lindqvist", "Raman", "Novak", "Tanaka", "Ferreira", "Hoffmann", "Mensah", "Demir", "Haddad",
        "Varga", "Castillo", "Brennan", "Kowalski", "Achterberg", "Moreau", "Sato", "Oyelaran", "Petrov", "Quinn"]
TOWNS = ["Marlow Bay", "Eastholm", "Kettering Vale", "Port Saline", "Redwater", "Ashby Cross", "Lindenfeld",
         "Corran", "Westmere", "Halvik", "San Aurelio", "Brightwell", "Oldcastle", "Norrby", "Valdera", "Pinecrest"]
ORGS = ["the regional transit authority", "the city council", "the national weather service", "the health ministry",
        "the port authority", "the university hospital", "the state audit office", "the football association",
        "the energy regulator", "the district school board", "the central bank", "the parks department"]
SITES = [("The Marlow Courier", "marlowcourier.example"), ("Eastholm Daily", "eastholmdaily.example"),
         ("Redwater Post", "redwaterpost.example"), ("Valley Ledger", "valleyledger.example"),
         ("Northern Wire", "northernwire.example"), ("Coastline Times", "coastlinetimes.example"),
         ("Metro Bulletin", "metrobulletin.example"), ("The Civic Record", "civicrecord.example"),
         ("Greenfield Gazette", "greenfieldgazette.example"), ("Harbour Herald", "harbourherald.example")]
SECTIONS = ["World", "Politics", "Business", "Sport", "Science", "Health", "Culture", "Local News", "Tech",
            "Weather", "Opinion", "Education", "Travel", "Environment", "World News", "Money"]

#: Stories: a topic with sentence templates. {P} person, {P2} another, {T} town, {O} organisation, {N} number, {M} month.
TOPICS = {
    "tram": [
        "Work on the new tram line in {T} will begin in {M}, {O} confirmed on Tuesday, ending months of uncertainty over the project.",
        "The line will link the railway station with the northern suburbs and is expected to carry about {N},000 passengers a day.",
        "{P}, who chairs the transport committee, said the route had been changed twice to protect a row of old houses.",
        "Shop owners along the route have asked for compensation, saying that two years of roadworks could drive away their customers.",
        "\"We are not against the tram, but we cannot survive a year without people walking past our doors,\" said {P2}, who runs a bakery on the high street.",
        "The council has promised to keep at least one lane open for deliveries and to publish a weekly schedule of the works.",
        "Critics point out that the budget has already grown by {N} per cent since the plan was first presented.",
        "The first trams are due to run by the end of next year if the works stay on schedule.",
        "Officials said that buses would replace the old night service while the tracks are being laid.",
        "A public meeting on the timetable will be held at the town hall next month.",
    ],
    "flood": [
        "Heavy rain over the weekend caused the river to burst its banks in {T}, flooding dozens of homes and closing the main bridge.",
        "Emergency crews worked through the night to pump water out of basements, and {N} families spent Sunday in a school gym.",
        "{O} said that more than {N} millimetres of rain had fallen in 48 hours, the highest total recorded in the area for a decade.",
        "{P}, whose kitchen was under half a metre of water, said the flood had come faster than anyone expected.",
        "\"By the time we moved the car, the water was already at the door,\" she said.",
        "Engineers will inspect the bridge on Monday before deciding whether it can reopen to traffic.",
        "Residents have long complained that the flood barriers promised after the last disaster were never built.",
        "A spokesperson for the council said the barriers would be finished next spring and that the cost had been approved.",
        "Forecasters expect drier weather later this week, but warned that the ground is still saturated.",
        "Volunteers have set up a collection point for blankets and food at the community centre.",
    ],
    "match": [
        "{T} Rovers came from two goals down to beat their neighbours 3-2 on Saturday, keeping their hopes of promotion alive.",
        "The visitors looked comfortable after scoring twice in the first half, both goals coming from set pieces.",
        "{P} pulled one back shortly after the break with a low shot from the edge of the box.",
        "The equaliser came in the 78th minute, when {P2} headed in a corner that the goalkeeper failed to reach.",
        "With the crowd on its feet, the winning goal arrived in stoppage time after a long throw caused confusion in the area.",
        "\"I told the players at half-time that the game was not finished,\" the manager said afterwards.",
        "The win lifts the club to third in the table, {N} points behind the leaders with six games to play.",
        "The defeat was the visitors' first in eleven matches and leaves them fourth.",
        "Both clubs were fined last season after crowd trouble, and the police presence was heavy around the stadium.",
        "Rovers travel to Oldcastle next weekend, while their opponents host the league leaders.",
    ],
    "science": [
        "Researchers at the university hospital in {T} have found that a common blood test can predict which patients will develop complications after surgery.",
        "The study followed {N}00 patients over three years and compared the results of the test with their recovery.",
        "Patients with high levels of the marker were almost twice as likely to need a second operation, the team reported.",
        "{P}, who led the research, said the test was cheap and already available in most hospitals.",
        "\"We do not need new equipment, we only need to look at numbers that are already on the screen,\" {P} said.",
        "Other scientists welcomed the findings but cautioned that the study had been carried out in a single hospital.",
        "{P2}, a surgeon who was not involved in the work, said a larger trial would be needed before the test could change practice.",
        "The team now plans to repeat the study in four hospitals across the country.",
        "The research was funded by a public grant and published in a medical journal this week.",
        "Patients taking part in the next trial will be recruited from {M} onwards.",
    ],
    "merger": [
        "Two of the largest grocery chains in the region announced plans on Monday to merge, creating a company with more than {N}00 shops.",
        "The deal values the smaller of the two at about {N}0 million and still needs the approval of the competition regulator.",
        "{P}, the chief executive of the larger chain, said the merger would allow the company to cut prices and invest in delivery.",
        "Unions warned that hundreds of jobs in warehouses and head offices could be at risk.",
        "\"Every merger is sold as a chance to grow, and every time it ends with job cuts,\" said {P2}, a union representative.",
        "Analysts said the combined company would control about a third of the market in {T} and the surrounding towns.",
        "Shares in the smaller chain rose by {N} per cent after the announcement.",
        "The regulator is expected to decide within six months whether to open an in-depth investigation.",
        "Both companies said no shops would close in the first year after the merger.",
        "Suppliers have been told that existing contracts will be honoured until they expire.",
    ],
    "school": [
        "Schools in {T} will move to a four-term year from September, the district school board decided on Thursday after a long debate.",
        "The change will shorten the summer holiday to five weeks and add a two-week break in the autumn.",
        "{P}, who chairs the board, said teachers had reported that pupils forget too much over a long summer.",
        "Parents are divided: a survey by the board found that {N} per cent supported the plan and almost as many opposed it.",
        "\"Working parents will have to find childcare for an extra fortnight in October,\" said {P2}, a mother of three.",
        "Teachers' representatives said they would accept the change if their total number of working days stayed the same.",
        "The board promised to fund holiday clubs in every school during the new autumn break.",
        "Neighbouring districts will watch the experiment closely before deciding whether to follow.",
        "The first year of the new calendar will be reviewed by an independent panel.",
        "A consultation on the exact dates of the terms opens next week.",
    ],
    "heat": [
        "Temperatures in {T} are forecast to reach 38C on Wednesday, and the health ministry has issued its highest heat warning.",
        "Older people and young children are most at risk, and residents are advised to stay indoors during the afternoon.",
        "The city will open {N} cooling centres in libraries and sports halls, and public pools will stay open until midnight.",
        "{P}, a doctor at the emergency department, said the hospital had already seen a rise in patients with heat exhaustion.",
        "Farmers warned that the heat was coming at the worst moment for the wheat harvest.",
        "\"If this lasts another week, we will lose a quarter of the crop,\" said {P2}, who farms near the river.",
        "Water companies asked customers not to use garden hoses until the heat wave is over.",
        "Forecasters expect a thunderstorm to break the heat on Friday evening.",
        "The last heat wave of this strength, four years ago, was linked to dozens of deaths in the region.",
        "The council has asked neighbours to check on elderly people living alone.",
    ],
    "museum": [
        "The maritime museum in {T} reopened on Saturday after a three-year renovation that cost {N} million.",
        "Visitors queued for more than an hour to see the restored fishing boat that now fills the main hall.",
        "{P}, the museum's director, said the new building was designed to let in daylight without harming the old paintings.",
        "A new gallery tells the story of the women who mended nets and ran the fish market for two centuries.",
        "\"For a long time the museum told only half of the story of this harbour,\" {P} said.",
        "Entry will be free for residents during the first month.",
        "The renovation was paid for by the town, a national heritage fund and hundreds of small donations.",
        "{P2}, a retired fisherman who lent his logbooks to the exhibition, said he hardly recognised the building.",
        "The museum expects {N}0,000 visitors in its first year.",
        "A programme of talks and school visits starts in the autumn.",
    ],
}

HEADLINES = [
    "{T} council approves plan for new cycle lanes", "Storm warning issued for {T} coast",
    "Police appeal for witnesses after crash on ring road", "{P} named new head of {T} hospital",
    "Why rents in {T} are rising faster than wages", "Bakery wins national prize for sourdough",
    "Teachers vote to strike over pay in {T}", "Ferry service to resume after six-month pause",
    "{T} Rovers sign striker on two-year deal", "Local election: what the candidates promise",
    "Scientists map ancient river bed under {T}", "New bridge opens to traffic ahead of schedule",
    "Hospital waiting times fall for first time in five years", "Council to sell former library building",
    "'We were told nothing': residents angry over road closure", "Five things to do in {T} this weekend",
    "Jobs at risk as factory announces move abroad", "Drought: farmers urged to save water",
    "Review: a restless, brilliant new play at the Civic Theatre", "How a small village saved its last pub",
    "{T} airport passenger numbers hit record high", "Mayor defends budget cuts in heated meeting",
    "Wildlife charity rescues 40 seals after storm", "Is the four-day week working? Firms report back",
    "Power cut leaves 3,000 homes without electricity", "Inquiry into care home deaths to report in spring",
    "{P}: 'I never expected to run a marathon at 70'", "Train fares to rise by 4 per cent in January",
    "Archaeologists find Roman coins in allotment", "Parking charges scrapped at seaside car parks",
    "Heat wave: hospitals prepare for busy week", "University opens new centre for climate research",
    "{T} named best place to live in annual survey", "Fire crews tackle blaze at disused warehouse",
    "Opinion: our high streets need more than free parking", "Youth club saved after crowdfunding campaign",
    "Court hears final arguments in harbour fraud case", "Winter fuel payments to be extended",
    "Rare orchid found growing on roundabout", "Football club fined after pitch invasion",
    "The quiet success of the town's night buses", "Water bills to rise as company invests in pipes",
    "Cyclist completes 1,000-mile charity ride", "Fishermen protest over new quota rules",
    "Survey finds one in five bridges needs repair", "New ferry named after local lifeboat hero",
    "Plans for 300 homes on former airfield rejected", "Festival organisers promise bigger lineup next year",
    "What the merger means for your weekly shop", "Schools told to prepare for four-term year",
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def person(self) -> str:
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    def fill(self, tpl: str, slots: dict) -> str:
        return tpl.format(**slots)

    def slots(self) -> dict:
        return {"P": self.person(), "P2": self.person(), "T": self.r.choice(TOWNS), "O": self.r.choice(ORGS),
                "N": self.r.randint(2, 95), "M": self.r.choice(MONTHS)}

    def headline(self) -> str:
        return self.fill(self.r.choice(HEADLINES), self.slots())

    def headlines(self, k: int) -> list[str]:
        out: list[str] = []
        while len(out) < k:
            h = self.headline()
            if h not in out:
                out.append(h)
        return out

    def blurb(self, headline: str) -> str:
        s = self.slots()
        opts = [
            f"Officials in {s['T']} said the decision followed months of talks with residents and local businesses.",
            f"{s['P']} told reporters that the plan would be reviewed again before the end of the year.",
            "The announcement came after a long campaign by people living in the area.",
            "Critics say the move does not go far enough, but supporters call it a first step.",
            "Here is what we know so far, and what happens next.",
            "The figures, published on Monday, surprised even the people who collected them.",
        ]
        return self.r.choice(opts)

    def date(self) -> str:
        d, m, y = self.r.randint(1, 28), self.r.choice(MONTHS), self.r.choice([2021, 2022, 2023])
        return self.r.choice([f"{m} {d}, {y}", f"{d} {m} {y}", f"{m[:3]} {d}, {y}", f"{d:02d}.{MONTHS.index(m) + 1:02d}.{y}",
                              f"{self.r.randint(2, 11)} hours ago", f"{self.r.randint(2, 50)} minutes ago", "Yesterday",
                              f"{m[:3]} {d}, {y} at {self.r.randint(1, 12)}:{self.r.randint(0, 59):02d} pm"])

    # ------------------------------------------------------------------ article
    def article(self, topic: str | None = None) -> tuple[str, list[str], dict]:
        """(title, paragraphs, slots): 5–10 paragraphs, sometimes a subheading, a list or a short line."""
        topic = topic or self.r.choice(sorted(TOPICS))
        s = self.slots()
        sents = [self.fill(t, s) for t in TOPICS[topic]]
        r = self.r
        paras: list[str] = []
        i = 0
        while i < len(sents):
            k = r.choice([1, 1, 2, 2, 3])
            paras.append(" ".join(sents[i : i + k]))
            i += k
        extra = r.random()
        if extra < 0.2:  # a subheading
            paras.insert(r.randint(2, max(2, len(paras) - 1)), r.choice(["What happens next", "The background",
                                                                     "A long wait", "Reaction", "Why it matters"]))
        elif extra < 0.3:  # a short list inside the article
            at = r.randint(2, max(2, len(paras) - 1))
            paras[at:at] = ["The plan includes:", "* a new timetable from the spring",
                            "* more staff at weekends", "* a review after twelve months"]
        elif extra < 0.34:  # a list of short facts under a label
            at = r.randint(1, max(1, len(paras) - 1))
            paras[at:at] = ["Key facts:", "* Opened in 1998", "* Rebuilt after the fire of 2009",
                            "* Run by volunteers since last year"]
        elif extra < 0.40:  # a one-line paragraph
            paras.insert(r.randint(1, max(1, len(paras) - 1)), "It did not.")
        elif extra < 0.48:  # a timeline
            at = r.randint(1, max(1, len(paras) - 1))
            paras[at:at] = ["Timeline", "March 2019: the plan is first presented to the council.",
                            "June 2020: a public consultation opens.", "May 2022: the final vote."]
        elif extra < 0.56:  # numbered steps
            at = r.randint(1, max(1, len(paras) - 1))
            paras[at:at] = ["How to apply:", "1. Fill in the form on the council website.", "2. Attach a copy of your lease.",
                            "3. Wait for a letter within six weeks."]
        elif extra < 0.62:  # questions and answers
            at = r.randint(1, max(1, len(paras) - 1))
            paras[at:at] = ["Who is affected?", "Everyone who lives within two miles of the river.", "When will it start?",
                            "Work is due to begin in the spring."]
        title = self.fill(r.choice(HEADLINES), s)
        return title, paras, s


# ------------------------------------------------------------------ page furniture
def header(g: Gen, site: str) -> list[str]:
    r = g.r
    secs = r.sample(SECTIONS, r.randint(5, 10))
    style = r.choice(["bullets", "plain", "pipes", "nested"])
    out = [r.choice(["Skip to main content", "Skip to content", "Menu", site]), site if r.random() < 0.5 else "Search"]
    if style == "bullets":
        out += [f"* {x}" for x in secs]
    elif style == "plain":
        out += secs
    elif style == "pipes":
        out.append(" | ".join(secs))
    else:
        for x in secs[:4]:
            out.append(f"* {x}")
            out += [f"+ {y}" for y in r.sample(SECTIONS, 2)]
    out += r.choice([["Sign in", "Subscribe"], ["Log in"], ["Subscribe now"], []])
    if r.random() < 0.5:
        out.append(r.choice(["Home > " + r.choice(SECTIONS) + " > " + r.choice(SECTIONS), "Home » " + r.choice(SECTIONS),
                             "News / " + r.choice(SECTIONS)]))
    return out


def byline_block(g: Gen) -> list[str]:
    r = g.r
    name = g.person()
    opts = [[f"By {name}"], [f"By {name}", g.date()], [name, g.date()], [f"{g.date()} | By {name}"],
            [f"by {name}, Staff Writer"], [f"Published {g.date()}", f"Updated {g.date()}"], [g.date()],
            [f"By {name} and {g.person()}", f"Published: {g.date()}"], [name, r.choice(SECTIONS) + " correspondent", g.date()]]
    return r.choice(opts)


def share_bar(g: Gen) -> list[str]:
    return g.r.choice([["Share"], ["Share this article", "Facebook", "Twitter", "Email"], ["* Facebook", "* Twitter", "* WhatsApp", "* Copy link"],
                       ["Share on Facebook", "Share on X"], ["Print", "Email", "Comments (4)"], []])


def caption(g: Gen) -> list[str]:
    r = g.r
    who = g.person()
    cap = r.choice(["Residents watch from the bridge as crews clear the road.",
                    f"{who} at the presentation on Tuesday.", "The harbour at dawn, seen from the old lighthouse.",
                    "Volunteers hand out water outside the station."])
    return r.choice([[cap, f"Photo: {g.person()}"], [f"{cap} (Image: {r.choice(['Getty', 'Reuters', 'Handout'])})"],
                     [f"{cap} Photo: {who}/Agency"], [cap, f"{g.person()} | Getty Images"], [f"{cap} (AP)"]])


def newsletter(g: Gen) -> list[str]:
    return g.r.choice([["Sign up for our morning newsletter", "Get the day's top stories delivered to your inbox every morning."],
                       ["Newsletter", "Enter your email", "Subscribe"], ["Subscribe to our newsletter for the latest updates."]])


def footer(g: Gen, site: str) -> list[str]:
    r = g.r
    out = r.choice([["About us", "Contact us", "Advertise with us", "Careers"], ["* About", "* Contact", "* Privacy Policy", "* Terms of Use"],
                    ["Privacy Policy | Terms of Use | Cookie settings"]])
    out.append(f"© {r.choice([2021, 2022, 2023])} {site}. All rights reserved.")
    if r.random() < 0.4:
        out.append("We use cookies to improve your experience. By using this site you accept our cookie policy.")
    return out


def comments(g: Gen) -> list[str]:
    r = g.r
    n = r.randint(2, 4)
    out = [r.choice([f"{n} Comments", "Comments", f"{n} thoughts on this story", "Leave a reply"])]
    for _ in range(n):
        out += [g.person(), g.date(), r.choice(["About time this was done.", "I live on that street and nobody asked us anything.",
                                                 "Great article, thanks for covering this.", "Where is the money coming from?"])]
        if r.random() < 0.3:
            out.append("Reply")
    return out


# ------------------------------------------------------------------ teaser house styles
Line = tuple  # (text, role)


def t_readmore(g: Gen, hs):
    m = g.r.choice(["Read more:", "READ MORE", "Read more", "Read More:"])
    return [(m, "x")] + [(h, ("teaser", h)) for h in hs]


def t_related_bullets(g: Gen, hs):
    m = g.r.choice(["Related:", "Related stories", "RELATED ARTICLES", "Related coverage", "Related"])
    b = g.r.choice(["* ", "• ", "- ", "+ "])
    return [(m, "x")] + [(b + h, ("teaser", h)) for h in hs]


def t_more_from(g: Gen, hs):
    sec = g.r.choice(SECTIONS)
    out = [(g.r.choice([f"MORE FROM {sec.upper()}", f"More from {sec}", f"More in {sec}"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (g.blurb(h), "x")]
    return out


def t_blocks_ellipsis(g: Gen, hs):
    sec = g.r.choice(SECTIONS)
    out = [("-", "x")]
    for h in hs:
        b = g.blurb(h).rstrip(".")
        cut = " ".join(b.split()[: g.r.randint(8, 12)])
        out += [(h, ("teaser", h)), (f"{cut} ... {sec} -", "x")]
    return out


def t_blocks_date(g: Gen, hs):
    out = [(g.r.choice(["You may also like", "Recommended for you", "More stories", "Latest news"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (g.date(), "x")]
        if g.r.random() < 0.5:
            out.append((g.blurb(h), "x"))
    return out


def t_numbered(g: Gen, hs):
    m = g.r.choice(["Most Read", "Trending now", "Most popular", "Top stories", "MOST READ"])
    return [(m, "x")] + [(f"{i}. {h}", ("teaser", h)) for i, h in enumerate(hs, 1)]


def t_pipes(g: Gen, hs):
    out = [(g.r.choice(["Related", "More stories", "Also on this site"]), "x")]
    for h in hs:
        out.append((f"{h} | {g.r.choice(SECTIONS)}", ("teaser", h)))
    return out


def t_byline_cards(g: Gen, hs):
    out = [(g.r.choice(["You might also like", "Recommended", "Editor's picks"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (f"By {g.person()}", "x"), (g.date(), "x")]
    return out


def t_section_first(g: Gen, hs):
    """Kicker (section label) above each headline, then a blurb."""
    out = [(g.r.choice(["Don't miss", "More stories", "Elsewhere on the site"]), "x")]
    for h in hs:
        out += [(g.r.choice(SECTIONS).upper(), "x"), (h, ("teaser", h)), (g.blurb(h), "x")]
    return out


def t_tags(g: Gen, hs):
    tag = g.r.choice(["[VIDEO]", "[PICTURES]", "[LATEST]", "(VIDEO)", "[INSIGHT]"])
    out = [(g.r.choice(["Don't miss", "ALSO READ", "Must read"]), "x")]
    for h in hs:
        out.append((f"{h} {tag}" if g.r.random() < 0.7 else h, ("teaser", h)))
    return out


def t_ticker(g: Gen, hs):
    out = [(g.r.choice(["Latest news", "Latest headlines", "Breaking news"]), "x")]
    for h in hs:
        out.append((f"* {g.r.randint(7, 22):02d}:{g.r.randint(0, 59):02d} {h}", ("teaser", h)))
    return out


def t_german(g: Gen, hs):
    return [("Lesen Sie auch:", "x")] + [(h, ("teaser", h)) for h in hs]


def t_unmarked_list(g: Gen, hs):
    """A label we do not know, then headlines (after the body)."""
    out = [(g.r.choice(["Catch up", "Before you go", "Stories you may have missed", "Around the region", "What we're reading"]), "x")]
    return out + [(h, ("teaser", h)) for h in hs]


def t_arrows(g: Gen, hs):
    return [(g.r.choice(["Further coverage", "See also", "More on this"]), "x")] + [
        (f"{g.r.choice(['→', '►', '»'])} {h}", ("teaser", h)) for h in hs]


def t_counts(g: Gen, hs):
    """Headlines with a comment count after them."""
    return [(g.r.choice(["Popular on this site", "Most commented", "Most Read"]), "x")] + [
        (f"{h} ({g.r.randint(2, 90)} comments)", ("teaser", h)) for h in hs]


def t_pipe_meta(g: Gen, hs):
    out = [(g.r.choice(["More stories", "Latest"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (f"{g.r.choice(SECTIONS)} | {g.r.randint(2, 9)} min read", "x")]
    return out


def t_cards(g: Gen, hs):
    """Image placeholder, headline, "Section · 4h ago"."""
    out = [(g.r.choice(["Recommended", "Trending now"]), "x")]
    for h in hs:
        out += [("Photo", "x"), (h, ("teaser", h)), (f"{g.r.choice(SECTIONS)} · {g.r.randint(1, 11)}h ago", "x")]
    return out


def t_zero_pad(g: Gen, hs):
    return [(g.r.choice(["Most viewed", "Top stories"]), "x")] + [(f"0{i} {h}", ("teaser", h)) for i, h in enumerate(hs, 1)]


def t_caps(g: Gen, hs):
    return [("Recommended Stories", "x")] + [(h.upper(), ("teaser", h.upper())) for h in hs]


def t_french(g: Gen, hs):
    return [(g.r.choice(["À lire aussi", "Lire aussi :"]), "x")] + [(h, ("teaser", h)) for h in hs]


def t_blurb_dates(g: Gen, hs):
    out = [(g.r.choice(["In other news", "More stories"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (g.blurb(h), "x"), (g.date(), "x")]
    return out


def t_spanish(g: Gen, hs):
    return [("Noticias relacionadas", "x")] + [(f"- {h}", ("teaser", h)) for h in hs]


def t_dutch(g: Gen, hs):
    return [("Lees ook:", "x")] + [(h, ("teaser", h)) for h in hs]


def t_cards_combined(g: Gen, hs):
    """Headline, "By Name | date", blurb."""
    out = [(g.r.choice(["More stories", "Related coverage"]), "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (f"By {g.person()} | {g.date()}", "x"), (g.blurb(h), "x")]
    return out


def t_dash_section(g: Gen, hs):
    return [(g.r.choice(["MORE ON THIS STORY", "Related"]), "x")] + [(f"{h} - {g.r.choice(SECTIONS)}", ("teaser", h)) for h in hs]


def t_unknown_bullets(g: Gen, hs):
    return [(g.r.choice(["Stories you might have missed", "Elsewhere", "Keep exploring"]), "x")] + [
        (f"– {h}", ("teaser", h)) for h in hs]


def t_paren_numbers(g: Gen, hs):
    return [("Most read", "x")] + [(f"{i}) {h}", ("teaser", h)) for i, h in enumerate(hs, 1)]


def t_readmore_links(g: Gen, hs):
    out = [("Related stories", "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (g.blurb(h), "x"), ("Read more »", "x")]
    return out


def t_hash(g: Gen, hs):
    return [("Trending", "x")] + [(f"#{i} {h}", ("teaser", h)) for i, h in enumerate(hs, 1)]


def t_further_by(g: Gen, hs):
    """Headline, then its author after a comma."""
    return [("Further reading", "x")] + [(f"{h}, by {g.person()}", ("teaser", h)) for h in hs]


def t_posted_in(g: Gen, hs):
    out = [("Related Posts", "x")]
    for h in hs:
        out += [(h, ("teaser", h)), (f"Posted in {g.r.choice(SECTIONS)}", "x")]
    return out


def t_arrow_tail(g: Gen, hs):
    return [("Read next", "x")] + [(f"{h} »", ("teaser", h)) for h in hs]


def t_quoted(g: Gen, hs):
    return [("Recommended", "x")] + [(f"“{h}”", ("teaser", f"“{h}”")) for h in hs]


def t_live(g: Gen, hs):
    return [("Latest updates", "x")] + [(f"LIVE: {h}" if i == 0 else h, ("teaser", f"LIVE: {h}" if i == 0 else h))
                                        for i, h in enumerate(hs)]


TEASER_STYLES = {
    "readmore": t_readmore, "related_bullets": t_related_bullets, "more_from": t_more_from,
    "blocks_ellipsis": t_blocks_ellipsis, "blocks_date": t_blocks_date, "numbered": t_numbered, "pipes": t_pipes,
    "byline_cards": t_byline_cards, "section_first": t_section_first, "tags": t_tags, "ticker": t_ticker,
    "german": t_german, "unmarked_list": t_unmarked_list, "arrows": t_arrows, "counts": t_counts,
    "pipe_meta": t_pipe_meta, "cards": t_cards, "zero_pad": t_zero_pad, "caps": t_caps, "french": t_french,
    "blurb_dates": t_blurb_dates, "spanish": t_spanish, "dutch": t_dutch, "cards_combined": t_cards_combined,
    "dash_section": t_dash_section, "unknown_bullets": t_unknown_bullets, "paren_numbers": t_paren_numbers,
    "readmore_links": t_readmore_links, "hash": t_hash, "further_by": t_further_by, "posted_in": t_posted_in,
    "arrow_tail": t_arrow_tail, "quoted": t_quoted, "live": t_live,
}
INLINE_STYLES = ["READ MORE: {h}", "Read more: {h}", "Related: {h}", "SEE ALSO: {h}", "ALSO READ: {h}", "Don't miss: {h}",
                 "READ MORE: {h} [VIDEO]", "More: {h}", "PHOTOS: {h}", "WATCH: {h}", "Read also: {h}", "RELATED — {h}",
                 "Baca juga: {h}", "Leggi anche: {h}", "Up next: {h}", "SEE MORE: {h}", "Related Article: {h}"]


def generated_page(g: Gen, style: str | None, inline: int, mid_box: bool) -> list[Line]:
    r = g.r
    site, _ = r.choice(SITES)
    title, paras, s = g.article()
    page: list[Line] = [(x, "x") for x in header(g, site)]
    if style and r.random() < 0.25:  # a trending strip in the header, right above the article's title
        hs = g.headlines(r.randint(3, 4))
        bullet = r.choice(["", "* "])
        page += [(r.choice(["Trending", "Latest", "Most popular"]), "x")] + [(bullet + h, ("teaser", h)) for h in hs]
    page.append((title, "x"))
    if r.random() < 0.4:
        page.append((r.choice(["Officials say the decision ends months of uncertainty.",
                               "The plan has divided residents and business owners."]), "x"))  # standfirst
    page += [(x, "x") for x in byline_block(g)]
    page += [(x, "x") for x in share_bar(g)]
    if r.random() < 0.5:
        page += [(x, "x") for x in caption(g)]
    body: list[Line] = [(p, "body") for p in paras]
    # furniture inside the body
    if r.random() < 0.4:
        body.insert(r.randint(2, len(body) - 1), (r.choice(["Advertisement", "ADVERTISEMENT", "Story continues below advertisement"]), "x"))
    if r.random() < 0.25:
        at = r.randint(2, len(body) - 1)
        body[at:at] = [(x, "x") for x in caption(g)]
    if r.random() < 0.15:
        at = r.randint(2, len(body) - 1)
        body[at:at] = [(x, "x") for x in newsletter(g)]
    for _ in range(inline):
        h = g.headline()
        body.insert(r.randint(1, len(body) - 1), (r.choice(INLINE_STYLES).format(h=h), ("teaser", h)))
    if mid_box:
        box_style = r.choice(["readmore", "related_bullets", "tags"])
        box = TEASER_STYLES[box_style](g, g.headlines(r.randint(2, 3)))
        # between two paragraphs, not inside a list
        spots = [k for k in range(2, len(body) - 1) if body[k - 1][0].endswith((".", "\"")) and body[k][1] == "body"
                 and not body[k][0].startswith("* ")]
        at = r.choice(spots) if spots else len(body) - 1
        body[at:at] = box
    page += body
    if r.random() < 0.3:
        page += [(r.choice(["Tags: " + ", ".join(r.sample(SECTIONS, 3)), "Topics"]), "x")]
    if r.random() < 0.4:
        page += [(x, "x") for x in share_bar(g)]
    if style:
        page += TEASER_STYLES[style](g, g.headlines(r.randint(3, 6)))
    if r.random() < 0.3:
        page += [(x, "x") for x in newsletter(g)]
    if r.random() < 0.25:
        page += [(x, "x") for x in comments(g)]
    page += [(x, "x") for x in footer(g, site)]
    return page


# ------------------------------------------------------------------ hand-made pages
B, X = "body", "x"


def T(h):
    return ("teaser", h)


HANDMADE: dict[str, list[Line]] = {
    # a local news site, "Read more" list and headline + ellipsis blocks (the seed's style)
    "hand_harbour": [
        ("Harbour Herald", X), ("* News", X), ("* Sport", X), ("* What's On", X), ("* Property", X),
        ("Harbour dredging to start in spring after funding deal", X),
        ("By Ines Moreau", X), ("March 3, 2023", X),
        ("Dredging of the inner harbour will start in April after the port authority agreed to pay half of the cost, ending a dispute that had left larger boats unable to enter at low tide.", B),
        ("The channel has silted up so badly that the ferry has cancelled eleven crossings since the autumn.", B),
        ("\"We have been running the timetable around the tide like it was 1850,\" said the ferry's operations manager, Kwame Oyelaran.", B),
        ("The work will remove about 40,000 tonnes of silt, which will be taken by barge to a site two miles offshore that has been used before.", B),
        ("Environmental groups had asked for the silt to be tested for pollution, and the authority said the results would be published before work begins.", B),
        ("Advertisement", X),
        ("The harbour master, Oskar Lindqvist, said the work would take about ten weeks and that the fishing fleet would be moved to the outer quay while it was under way.", B),
        ("Fishermen said they were relieved but worried about the summer season.", B),
        ("Read more:", X),
        ("Ferry cancels crossings as channel silts up", T("Ferry cancels crossings as channel silts up")),
        ("Port authority and council agree funding deal", T("Port authority and council agree funding deal")),
        ("-", X),
        ("Fishing fleet to move to outer quay", T("Fishing fleet to move to outer quay")),
        ("The town's fishing boats will tie up at the outer quay for ten weeks from April while the inner harbour is ... Local News -", X),
        ("Seal pup rescued from harbour wall", T("Seal pup rescued from harbour wall")),
        ("A seal pup that became stuck between the harbour wall and a moored yacht was freed by volunteers on ... Local News -", X),
        ("© 2023 Harbour Herald. All rights reserved.", X),
    ],
    # a blog post with no teasers, Q&A, short lines, a comment section
    "hand_blog_qa": [
        ("Home", X), ("About", X), ("Recipes", X), ("Contact", X),
        ("Ten questions for a sourdough baker", X),
        ("Posted on June 12, 2022 by Hanna Varga", X),
        ("Every Saturday morning there is a queue outside a tiny bakery on Mill Lane. I asked the baker, Tariq Haddad, how he started and what he would tell a beginner.", B),
        ("How did you start baking?", B),
        ("My grandmother kept a starter in a jar for thirty years. When she moved into a care home she gave it to me, and I felt I had to keep it alive.", B),
        ("What is the most common mistake?", B),
        ("People are impatient. They want bread on the same day, but good sourdough needs a night in the fridge.", B),
        ("Do you use a mixer?", B),
        ("No.", B),
        ("What flour do you buy?", B),
        ("Mostly a stoneground flour from a mill twenty miles away, with a little rye for flavour.", B),
        ("Any advice for beginners?", B),
        ("Keep notes. Write down the temperature of your kitchen, how long the dough rested and how it looked, and after a month you will know more than any book can teach you.", B),
        ("Share this:", X), ("Facebook", X), ("Twitter", X),
        ("3 Comments", X),
        ("Amara Quinn", X), ("June 12, 2022 at 9:14 am", X), ("I queue there every week, worth every minute.", X),
        ("Reply", X),
        ("Felix Sato", X), ("June 13, 2022 at 6:40 pm", X), ("Great interview. Could you ask him about his rye loaf next time?", X),
        ("Reply", X),
        ("Leave a Reply", X), ("Your email address will not be published.", X),
        ("Copyright © 2022 Crumb Notes", X),
    ],
    # an article interrupted by a related box, bylines and captions, "MORE FROM" cards at the end
    "hand_interrupted": [
        ("Skip to content", X), ("Valley Ledger", X), ("Politics | Business | Sport | Culture", X),
        ("Region agrees to share water in dry summers", X),
        ("The deal ends a decade of disputes between upstream farms and downstream towns.", X),
        ("By Rafael Castillo and Noor Achterberg", X), ("Published 14:05, 2 August 2022", X),
        ("Farmers inspect a dry irrigation channel near Valdera.", X), ("Photo: Emil Petrov", X),
        ("The five districts along the river agreed on Friday to share water according to a fixed formula during droughts, ending ten years of legal disputes.", B),
        ("Under the agreement, towns will get priority for drinking water, while farms will receive a share that depends on the level of the reservoir.", B),
        ("Related", X),
        ("* Reservoir at lowest level for 20 years", T("Reservoir at lowest level for 20 years")),
        ("* Farmers sue town over river extraction", T("Farmers sue town over river extraction")),
        ("* What the drought means for food prices", T("What the drought means for food prices")),
        ("The agreement was negotiated over eighteen months by a panel chaired by a retired judge, Luca Brennan.", B),
        ("\"Nobody got everything they wanted, which is usually the sign of a fair deal,\" Brennan said.", B),
        ("Farmers' groups said the formula would give them certainty, even if the shares were smaller than they had hoped.", B),
        ("The deal still has to be approved by each district council, but all five leaders said they would support it.", B),
        ("MORE FROM POLITICS", X),
        ("Council leader survives no-confidence vote", T("Council leader survives no-confidence vote")),
        ("The vote was closer than expected after two members of her own group abstained.", X),
        ("Inquiry into bus contract to report next month", T("Inquiry into bus contract to report next month")),
        ("The contract was awarded without a tender during the pandemic.", X),
        ("Why turnout in local elections keeps falling", T("Why turnout in local elections keeps falling")),
        ("Fewer than one in four voters took part last time.", X),
        ("Privacy Policy | Terms of Use", X), ("© 2022 Valley Ledger", X),
    ],
    # a German page with a "Lesen Sie auch" list and a "Mehr zum Thema" box
    "hand_german": [
        ("Startseite", X), ("Politik", X), ("Wirtschaft", X), ("Sport", X),
        ("Neue Fahrradbrücke über den Fluss eröffnet", X),
        ("Von Lena Hoffmann", X), ("12.05.2023, 10:15 Uhr", X),
        ("Nach zwei Jahren Bauzeit ist die neue Fahrradbrücke über den Fluss am Samstag für den Verkehr freigegeben worden.", B),
        ("Die Brücke verbindet den Bahnhof mit dem neuen Wohngebiet im Norden der Stadt und soll täglich mehrere tausend Radfahrer entlasten.", B),
        ("Die Kosten lagen mit rund zwölf Millionen Euro etwas über der ursprünglichen Planung, weil der Stahlpreis während der Bauzeit gestiegen war.", B),
        ("Anwohner hatten sich lange für die Verbindung eingesetzt, da der Umweg über die alte Straßenbrücke fast drei Kilometer lang ist.", B),
        ("Lesen Sie auch:", X),
        ("Stadt plant neue Radwege im Zentrum", T("Stadt plant neue Radwege im Zentrum")),
        ("Bahnhof wird ab Herbst umgebaut", T("Bahnhof wird ab Herbst umgebaut")),
        ("Die Stadtverwaltung kündigte an, im nächsten Jahr auch die Beleuchtung entlang des Ufers zu erneuern.", B),
        ("Anzeige", X),
        ("Mehr zum Thema", X),
        ("* Wie sicher sind die Radwege in der Stadt?", T("Wie sicher sind die Radwege in der Stadt?")),
        ("* Neues Wohngebiet im Norden: die ersten Familien ziehen ein", T("Neues Wohngebiet im Norden: die ersten Familien ziehen ein")),
        ("Impressum", X), ("Datenschutz", X), ("© 2023 Stadtanzeiger", X),
    ],
    # a long feature with no teasers: subheadings, a list, quotes, a pull quote, an author bio
    "hand_feature": [
        ("Metro Bulletin", X), ("* Home", X), ("* Features", X), ("* Longreads", X),
        ("The last lighthouse keeper", X),
        ("For forty years, one man kept the light burning on a rock three miles out to sea. Now he has written it all down.", X),
        ("By Zara Kowalski", X), ("9 min read", X),
        ("When Elif Demir first rowed out to the lighthouse in 1979, the only way to contact the mainland was a radio that worked when the weather allowed.", B),
        ("He stayed for forty years, through storms that cut him off for weeks and a fire that nearly destroyed the lamp room.", B),
        ("The early years", B),
        ("The job was lonely, but it was never boring, he says. There was always something to paint, oil or repair, and the sea changed every hour.", B),
        ("He kept a diary every day, noting the weather, the ships that passed and the birds that landed on the gallery.", B),
        ("\"I wrote because nobody else would ever know what happened out there,\" he says.", B),
        ("\"The sea does not care whether anyone is watching.\"", B),
        ("What he took with him", B),
        ("When the light was automated in 2019, he was allowed to keep a few things:", B),
        ("* the brass logbook", B),
        ("* a barometer from 1931", B),
        ("* forty years of diaries", B),
        ("The diaries are the basis of his new book, which is published next month by a small press in the harbour town where he now lives.", B),
        ("He still walks to the end of the pier every evening to watch the light come on.", B),
        ("About the author", X),
        ("Zara Kowalski writes about the coast and the people who live on it.", X),
        ("* Privacy", X), ("* Terms", X), ("© 2023 Metro Bulletin", X),
    ],
    # a wire-style story with dateline, "SEE ALSO" inline, a numbered most-read list with dates
    "hand_wire": [
        ("NORTHERN WIRE", X), ("World | Business | Markets | Sport", X),
        ("Central bank holds rates, signals cut later this year", X),
        ("Jan 24, 2023 at 3:10 pm", X),
        ("Reporting by Samuel Mensah; Editing by Mei Sato", X),
        ("PORT SALINE, Jan 24 - The central bank left its main interest rate unchanged on Tuesday but said it could start cutting borrowing costs in the second half of the year if inflation keeps falling.", B),
        ("The decision was expected by all but one of the economists polled this month.", B),
        ("SEE ALSO: Inflation falls for third month in a row", T("Inflation falls for third month in a row")),
        ("The bank's governor said wage growth was still too strong to declare victory over inflation, but that the trend was encouraging.", B),
        ("Markets reacted calmly, and the currency was little changed after the announcement.", B),
        ("MOST READ", X),
        ("1. Inflation falls for third month in a row", T("Inflation falls for third month in a row")),
        ("2 hours ago", X),
        ("2. Port strike ends after pay deal", T("Port strike ends after pay deal")),
        ("5 hours ago", X),
        ("3. Shipping rates climb as canal traffic slows", T("Shipping rates climb as canal traffic slows")),
        ("Yesterday", X),
        ("Our Standards: The Trust Principles.", X),
        ("All quotes delayed a minimum of 15 minutes.", X),
    ],
    # a page with headline + date related items without any marker, after the body
    "hand_unmarked_dates": [
        ("Coastline Times", X), ("Menu", X), ("Search", X),
        ("Lifeboat crew rescue walkers cut off by tide", X),
        ("By Diego Ferreira", X), ("August 14, 2022", X),
        ("Two walkers were rescued from a sandbank on Sunday afternoon after they were cut off by the incoming tide.", B),
        ("The lifeboat was launched shortly after 3pm and reached the pair within fifteen minutes.", B),
        ("Both were taken back to the harbour, cold but unhurt.", B),
        ("The lifeboat station reminded visitors to check tide times before walking out across the bay, where the water can rise faster than a person can run.", B),
        ("Lifeboat station opens new boathouse", T("Lifeboat station opens new boathouse")),
        ("August 2, 2022", X),
        ("Beach cleaning volunteers collect record haul", T("Beach cleaning volunteers collect record haul")),
        ("July 28, 2022", X),
        ("Warning over jellyfish after warm spell", T("Warning over jellyfish after warm spell")),
        ("July 21, 2022", X),
        ("© Coastline Times 2022", X),
    ],
    # a sports report with a live-blog style time list in the body (must stay body) and no teasers
    "hand_match_times": [
        ("Sport", X), ("* Football", X), ("* Cricket", X), ("* Rugby", X),
        ("Rovers snatch late win in derby", X),
        ("By Jonas Novak", X),
        ("Redwater Rovers beat Eastholm 2-1 on Saturday thanks to a goal in the last minute of stoppage time.", B),
        ("How the goals went in:", B),
        ("12' Eastholm score from a free kick that deflects off the wall.", B),
        ("55' Rovers equalise with a header at the far post.", B),
        ("90+4' A low shot from the edge of the box wins it for the home side.", B),
        ("The result keeps Rovers in the promotion places with five games left.", B),
        ("The home manager praised his substitutes, two of whom were involved in the winning goal.", B),
        ("\"We kept going because we have lost games like this before and we did not want that feeling again,\" he said.", B),
        ("Share", X), ("Facebook", X), ("Twitter", X),
        ("© 2023 Redwater Post", X),
    ],
}


def page_text(lines: list[Line], blank_lines: bool = True) -> str:
    """The page as a naive converter dumps it: one block per line, with or without blank lines between."""
    return ("\n\n" if blank_lines else "\n").join(t for t, _ in lines) + "\n"


def gold_of(lines: list[Line], url: str) -> dict:
    body = "\n".join(t for t, role in lines if role == "body")
    heads: list[str] = []
    seen = set()
    for _, role in lines:
        if isinstance(role, tuple):
            key = " ".join(role[1].casefold().split())
            if key not in seen:
                seen.add(key)
                heads.append(role[1])
    return {"articleBody": body, "url": url, "teasers": heads}


def build(n_generated: int = 170, seed: int = 20240601) -> dict[str, tuple[str, dict]]:
    pages: dict[str, tuple[str, dict]] = {}
    for name, lines in HANDMADE.items():
        pages[name] = (page_text(lines), gold_of(lines, f"https://example.org/{name}"))
    styles = [*TEASER_STYLES, *[None] * 7]
    for i in range(n_generated):
        g = Gen(seed + i)
        style = styles[i % len(styles)]
        inline = g.r.choice([0, 0, 0, 1, 2]) if i % 3 and style else 0
        mid_box = style is not None and g.r.random() < 0.2
        lines = generated_page(g, style, inline, mid_box)
        name = f"gen_{i:03d}_{style or 'none'}"
        site = SITES[i % len(SITES)][1]
        pages[name] = (page_text(lines, blank_lines=g.r.random() < 0.7), gold_of(lines, f"https://{site}/{name}"))
    return pages


def main() -> None:
    pages = build()
    txt = HERE / "txt"
    txt.mkdir(exist_ok=True)
    for old in txt.glob("*.txt"):
        old.unlink()
    gold = {}
    for name, (text, g) in sorted(pages.items()):
        (txt / f"{name}.txt").write_text(text, encoding="utf-8")
        gold[name] = g
    (HERE / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    n_t = sum(len(g["teasers"]) for g in gold.values())
    print(f"{len(gold)} pages, {n_t} teaser headlines, {sum(1 for g in gold.values() if not g['teasers'])} without teasers")


if __name__ == "__main__":
    main()

"""``builder generate``: a synthetic corpus of scraped news articles.

``builder generate --out DIR --n N [--seed S] [--format txt|jsonl]`` writes N
articles that look like what a scraper leaves behind, for tests, benchmarks
and trying the builder at scale without third-party text:

* bodies of prose paragraphs of varied length about one story each (a place,
  people, an organisation, a topic), built from template sentences and the
  sentences of the seed article (``seeds/``);
* boilerplate in the house style of one of a dozen made-up sites: menus,
  bylines, "follow us" / "subscribe" / "share" lines (some inside the body),
  footers;
* teasers after the body in several house styles: ``Read more:`` lists,
  headline + blurb blocks ending ``... Section -``, ``Related Stories``
  bullets, ``More from ...`` lists, inline ``Read more: <headline>`` lines;
* some near-duplicates (a story syndicated to another site with a paragraph
  changed) and exact copies, some mojibake, and some short or bad documents
  (a few words, symbol tables, repeated lines, menus only, empty files).

The output depends only on the seed, and article ``i`` does not depend on
``N`` (the first 50 of 1000 are the 50 of ``--n 50``). Articles are written as
they are made, so memory stays flat whatever ``N``.

``txt`` writes ``DIR/<site>/<index>.txt`` (one folder per site, which is what
the learned boilerplate stage groups by); ``jsonl`` writes
``DIR/articles-00000.jsonl``, ... (10,000 records each) with ``id``, ``url``,
``title``, ``date``, ``text`` and the document's ``kind``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuilderError

RECORDS_PER_FILE = 10_000

PLACES = [
    "Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Perth", "Accra", "Bergen", "Lyon", "Hanoi", "Cusco",
    "Dakar", "Kraków", "Oaxaca", "Tromsø", "Izmir", "São Paulo", "Zürich", "Galway", "Mombasa", "Valparaíso",
    "Leeds", "Adelaide", "Montréal", "Winnipeg", "Porto", "Seville", "Gdańsk", "Tbilisi", "Yerevan",
    "Kigali", "Lusaka", "Manila", "Cebu", "Chennai", "Pune", "Busan", "Sapporo", "Hobart", "Dunedin",
    "Halifax", "Tucson", "Memphis", "Boise", "Cardiff", "Aarhus", "Turku", "Ljubljana", "Split", "Bilbao",
]
FIRST = [
    "Maria", "Jonas", "Priya", "Tomas", "Aiko", "Diego", "Lena", "Samuel", "Elif", "Nadia", "Kwame", "Ingrid",
    "Rafael", "Mei", "Oskar", "Amara", "Luca", "Sofia", "Hamid", "Grace", "Mateo", "Yuki", "Fatima", "Erik",
    "Chloe", "Ibrahim", "Hannah", "Arjun", "Zofia", "Daniel", "Leila", "Pedro", "Anya", "Kofi", "Marta",
]
LAST = [
    "Okafor", "Lindqvist", "Raman", "Novak", "Tanaka", "Ferreira", "Hoffmann", "Mensah", "Demir", "Haddad",
    "Kowalski", "Brennan", "Moreau", "Castillo", "Nakamura", "Osei", "Virtanen", "Rossi", "Petrov", "Walsh",
    "Chen", "Duarte", "Abiodun", "Sørensen", "Müller", "García", "Kapoor", "Ivanova", "O'Neill", "Santos",
]
ORGS = [
    "{place} City Council", "the {place} Port Authority", "the Ministry of Transport", "the regional health board",
    "the National Audit Office", "{place} Water Company", "the teachers' union", "the Chamber of Commerce",
    "the environmental agency", "{place} University", "the Central Bank", "the electoral commission",
    "the Metro Transit Authority", "the state energy regulator", "Northwind Logistics", "Bluecrest Holdings",
    "the Harbour Residents' Association", "the provincial government", "the Ministry of Finance",
    "the national rail operator",
]
TOPICS = [
    "a new tram line", "the harbour expansion", "a water rationing plan", "the city budget",
    "a heatwave warning", "the regional election", "a strike by teachers", "the new stadium",
    "a flood defence project", "rising rents", "a bridge closure", "a museum reopening", "a ban on diesel buses",
    "the airport runway plan", "a housing programme", "cuts to library hours", "a hospital merger",
    "the fishing quota", "a night-time curfew", "the school meals scheme", "a new cycle network",
    "the wind farm proposal", "a tax on tourist rentals", "the port privatisation", "a wildfire evacuation",
    "the minimum wage rise", "a vaccination drive", "the ferry timetable", "a landfill extension",
    "the recycling contract",
]
ROLES = ["the mayor", "a council spokesperson", "the transport minister", "an opposition leader",
         "the union's general secretary", "a local business owner", "the project director", "a senior engineer",
         "the finance minister", "a community organiser", "the police chief", "a hospital spokesperson"]
SECTIONS = ["World News", "Local News", "Business", "Politics", "Sport", "Health", "Technology", "Culture",
            "Environment", "Opinion"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

#: Body sentences. ``{slot}``: the story's context (see ``ArticleFactory.context``);
#: ``[a|b|c]``: one of the phrasings, chosen per sentence, so that two stories
#: told from the same templates still share few word 5-grams (as real ones do).
SENTENCE_TEMPLATES = [
    "[Officials|Authorities|City officials|Council leaders|Planners] in {place} on {weekday} [presented|unveiled|announced|set out|published] {topic}, [saying|arguing|insisting|promising] [the work|construction|the first phase|the scheme] would [start|begin|get under way] [before the end of the year|within months|next spring|by {month}|after the summer].",
    "{person}, who [leads|chairs|heads|runs] the [committee|working group|panel|task force] [in charge of|responsible for|overseeing] the [plan|project|scheme|programme], told [reporters|journalists|the newspaper|a press conference] that [the cost|the budget|the price tag|the estimate] had been [reviewed|checked|revised|cut] [twice|three times|several times|again in {month}].",
    "Residents of {place} have been [divided|split|at odds|arguing] over {topic} [since|ever since] it was [first proposed|put forward|floated|announced] {n1} years ago.",
    "According to {org}, [about|around|roughly|nearly|more than] {n3} people [attended|turned up to|took part in|came to] the [public hearings|consultation meetings|town hall sessions|open evenings] held in {place} [this spring|last month|over the summer|in {month}].",
    "{person} said {org} would [publish|release|put out|make public] the [full report|findings|complete study|draft plan] [on its website|online|next month|within weeks] and [answer questions from|meet|hear from|respond to] [residents|local groups|critics|shop owners] [next week|in {month}|before the vote|at a public meeting].",
    "[Opposition members|Opposition councillors|Critics|Several lawmakers|Rival parties] [argued|said|complained|claimed] that {topic} had been [rushed|pushed through|poorly planned|badly managed] and [asked for|demanded|called for|requested] [an independent study|an external review|an audit|a public inquiry] of its [costs|impact|finances|effects].",
    "The [plan|project|scheme|programme] is [expected|forecast|projected|estimated] to cost {money}, a figure that [critics|opponents|economists|auditors] say is [likely|bound|certain|expected] to [rise|grow|increase|climb].",
    "“We have [listened to|heard|read|considered] every [objection|complaint|concern|submission], and we have [changed|adjusted|amended|rewritten] the plan where it [made sense|was needed|was possible|mattered],” {person} [said|told reporters|added|said on {weekday}].",
    "{person2}, {role}, [said|argued|complained|told the meeting] that the decision had been taken [without enough|with too little|without proper|without any real] [consultation|debate|scrutiny|public input].",
    "[Support for|Backing for|Public approval of|Enthusiasm for] {topic} has [fallen|dropped|slipped|declined] to {pct2} percent, according to a [survey|poll|study|report] [published|released|carried out] [on {weekday}|this week|last month|in {month}].",
    "The [first phase|opening stage|initial work|first section] is [due|scheduled|expected|set] to be [completed|finished|ready|delivered] by {month} {year}, [two years|eighteen months|a year|three years] later than [originally planned|first promised|initially announced|scheduled].",
    "[Traffic|Bus services|Deliveries|Parking] in the [centre|north|old town|east] of {place} [was|were|would be] expected to be [disrupted|affected|limited|hit] for [several weeks|months|most of the summer|the rest of the year] while the work [went on|continued|was carried out].",
    "{org_cap} said in a [statement|press release|written reply|post on its website] that [safety|public health|value for money|transparency] [remained|was|would remain|is] its [first|top|main|overriding] priority.",
    "[Shop owners|Traders|Restaurant owners|Market stallholders] near the [site|works|closed streets|new depot] told [the newspaper|reporters|local radio|this paper] that their [takings|sales|turnover|income] had [dropped|fallen|shrunk|collapsed] by [a third|half|a quarter|{pct2} percent] since {month}.",
    "In a [letter|memo|written submission|formal complaint] [seen by reporters|obtained by the newspaper|made public on {weekday}|sent last week], {person2} [asked|urged|called on|pressed] {org} to [delay|postpone|suspend|put off] the [vote|decision|final approval|signing] until [the autumn|next year|after the summer|{month}].",
    "The [proposal|plan|motion|budget] will [go before|be put to|come before|be debated by] the [full council|regional assembly|city parliament|planning board] on {weekday}, where it [needs|requires|must win] a [simple majority|two-thirds majority|majority of votes] to [pass|be approved|go ahead].",
    "[Engineers|Inspectors|Surveyors|Independent experts] [found|identified|discovered|reported] {n5} [faults|defects|problems|safety issues] during [an inspection|an audit|a review|an assessment] in {month}, a [report|document|study|letter] by {org} [showed|revealed|said|found].",
    "A [similar|comparable|smaller|related] scheme in a [neighbouring|nearby|rival|northern] [town|city|district|region] was [abandoned|dropped|scrapped|shelved] in {year} after [costs doubled|funding ran out|protests grew|a court ruling].",
    "{surname} [rejected|dismissed|denied|brushed aside] [suggestions|claims|accusations|reports] that the [project|plan|deal|contract] had been [rushed through|fast-tracked|pushed through|approved] for [political reasons|electoral gain|the benefit of a few|the wrong reasons].",
    "[Police|Officers|The police|Local police] said {n2} people had been [detained|arrested|held|questioned] after a [protest|demonstration|rally|march] [outside|near|in front of] the [town hall|ministry|council offices|port gates] [turned violent|got out of hand|ended in scuffles|was broken up].",
    "[Campaigners|Activists|Residents' groups|Opponents] have [collected|gathered|handed in|delivered] more than {n4} [signatures|names|letters of support] [on|for] a [petition|campaign|motion] [calling for|demanding|asking for] a [referendum|public vote|new consultation|halt to the work].",
    "The [government|national government|state|ministry] has [promised|pledged|agreed|offered] to [cover|pay|fund|contribute] {pct} percent of the cost, with the rest [coming from|paid by|raised through|funded by] [local taxes|the city budget|private investors|European funds].",
    "[Critics|Opponents|Economists|Analysts] point out that {place} already has [one of the highest debt levels|some of the heaviest borrowing|the largest deficit|record public debt] in the [region|country|state|province].",
    "“This is about the next [thirty|twenty|fifty|forty] years, not the next [election|budget|headline|few months],” {role} [told|said at|addressed] a [packed|crowded|tense|lively] [meeting|hall|session|gathering].",
    "{person} will [meet|sit down with|hold talks with|receive] [representatives|members|the leaders|a delegation] of {org} on {weekday} to [discuss|agree|go over|settle] the [timetable|next steps|details|funding].",
    "The [figures|numbers|claims|estimates] [have not been|could not be|were not] [independently verified|confirmed|checked by the newspaper].",
    "[Unions|Workers' representatives|Staff groups|Teachers' unions] have [threatened|warned of|promised|announced] [further action|more strikes|a walkout|new protests] if their [demands|pay claims|conditions|concerns] are not [met|addressed|answered|resolved] by the end of {month}.",
    "The [city's|region's|council's|town's] last [major|large|big|comparable] project of this kind, a [ring road|sports hall|sewage plant|tram depot] [finished|completed|opened] in {year}, ran {n1} months [late|behind schedule|over time].",
    "[Environmental groups|Conservationists|Wildlife charities|Green campaigners] [warned|said|argued|fear] that the work could [harm|damage|threaten|destroy] [wetlands|bird colonies|old woodland|the river banks] [south|north|east|west] of {place}.",
    "{org_cap} has [hired|brought in|appointed|called in] [an outside|an independent|an international|a specialist] [firm|auditor|consultancy|team] to [review|examine|check|investigate] the [contracts|accounts|tender|payments], {person2} said.",
    "[Several|A number of|At least {n1}|Dozens of] [businesses|companies|employers|shops] have already said they would [move out of|leave|quit|abandon] the [area|district|city centre|industrial park] if the plan [goes ahead|is approved|is not changed|passes].",
    "A [spokesperson|spokesman|spokeswoman|press officer] for {org} [declined to comment|would not comment|did not respond to requests for comment|refused to be drawn] on the [details of the agreement|figures|report|allegations].",
    "The [council's|ministry's|agency's|board's] own [figures|estimates|documents|projections] show that {n4} [households|families|homes|tenants] would be [affected|hit|involved|covered] in the first [year|phase|six months|two years].",
    "{surname} said the money would [come from|be found through|be taken from|be covered by] [savings elsewhere|efficiency savings|reserves|cuts to consultants] and that no [services|jobs|schools|libraries] would be [cut|lost|closed|affected].",
    "[Opinion polls|Surveys|Recent polls|Pollsters] [suggest|show|indicate] the [issue|row|dispute|question] could [decide|shape|swing|dominate] the [outcome|result|course] of next year's [local elections|regional vote|mayoral race|budget talks].",
    "Residents who spoke at the [meeting|hearing|session|forum] [raised concerns about|complained about|warned of|asked about] [noise, dust and the loss of parking spaces|traffic, safety and rising rents|the cost, the delays and the lack of information|flooding, pollution and lost trees].",
    "The [mayor's office|council|ministry|regional authority] said a [decision|ruling|final answer|formal statement] on {topic} would be [announced|made|published|taken] [before|by|no later than|early in] {month}.",
    "The [debate|row|dispute|controversy] has [exposed|revealed|deepened|laid bare] [deep|growing|bitter|long-standing] [divisions|tensions|rifts|disagreements] within the [ruling coalition|governing party|council majority|cabinet] in {place}.",
    "[Work|Construction|Building work|Progress] on the site [stopped|halted|was suspended|came to a standstill] for {n5} weeks last year after [contractors were not paid|a worker was injured|funding dried up|a legal challenge].",
    "In {year}, [a court|a judge|a tribunal|the supreme court] [ruled|found|decided|concluded] that [an earlier|a previous|the first|an older] version of the plan [broke|violated|ignored|failed to meet] [environmental law|planning rules|building regulations|procurement rules].",
    "[Independent experts|Academics|Engineers|Auditors] have [questioned|doubted|challenged|cast doubt on] whether the [project|scheme|plan|work] can be [delivered|finished|completed|built] [on time|within budget|as promised|by {year}].",
    "[Tourism|Shipping|Manufacturing|Retail], which [accounts for|makes up|provides|represents] [around|about|nearly|more than] {pct3} percent of local [jobs|income|employment|tax revenue], is [expected|likely|set|forecast] to [benefit most|gain the most|be hit hardest|feel the effects first].",
    "{person2} [accused|criticised|attacked|blamed] {org} [of hiding|for hiding|for concealing|of playing down] the [true cost|real cost|risks|scale] of {topic} [from the public|from residents|from councillors|for months].",
    "The [council|city|mayor|government] [insists|maintains|says|argues] the [scheme|project|investment|plan] will [pay for itself|break even|repay its cost|save money] within {n1} years.",
    "[Public transport fares|Water bills|Property taxes|Parking charges] in {place} [rose|went up|increased|climbed] by {pct2} percent last year, the [largest|biggest|steepest|sharpest] [increase|rise|jump] in a [decade|generation|long time|quarter of a century].",
    "[Local newspapers|Local media|Radio reports|Several outlets] have reported that the [contract|deal|concession|licence] was [awarded|handed out|signed|granted] without a [public tender|competitive bid|proper process|vote].",
    "“[Nobody asked|No one listened to|They never consulted|Nobody bothered to ask] the people who actually [live|work|shop|grow up] here,” said one [resident|shopkeeper|parent|pensioner], who did not want to be named.",
    "{person} has [led|run|headed|chaired] {org} since {year} and is [expected|likely|set|widely tipped] to [stand for re-election|seek another term|run again|step down next year].",
    "A [final|full|detailed|formal] report is [due|expected|promised] in {month}, after which [ministers|councillors|the board|officials] will [decide|determine|vote on|choose] whether to [continue|go ahead|press on|change course].",
    "[Heavy rain|A storm|Strong winds|Flash flooding] on {weekday} [flooded|blocked|closed|damaged] several streets in the [east|west|north|south] of {place}, [delaying|holding up|setting back|interrupting] the work [again|once more|by another week|for days].",
    "The [regional government|national government|provincial authority|state] has [yet to say|not yet said|refused to say|not decided] whether it will [support|back|fund|approve] the [plan|scheme|project|request].",
    "At least {n1} [companies|firms|consortiums|bidders] have [bid for|applied for|competed for|shown interest in] the [contract|tender|concession|work], including [two from abroad|a state-owned firm|one local family business|several foreign groups].",
    "[Inflation|Rising energy prices|Supply problems|Higher interest rates] [has|have] pushed the [price|cost] of [building materials|steel and concrete|borrowing|labour] up by nearly {pct2} percent since {year}.",
    "[Members|Delegates|Directors|Representatives] of {org} will [vote on|consider|discuss|decide on] the [proposal|plan|offer|motion] at a [meeting|special session|closed session|hearing] on {weekday} [evening|morning|afternoon].",
    "The national government [announced|said|confirmed|revealed] on {weekday} that it would [send|deploy|dispatch|assign] {n1} [inspectors|experts|engineers|officials] to {place}.",
    "[Hospitals|Clinics|Emergency services|Doctors] in {place} [treated|saw|dealt with|reported] {n3} [patients|cases|people] for [heat-related illness|breathing problems|injuries|dehydration] during the first week of {month}.",
    "[Schools|Libraries|Swimming pools|Sports centres] in the [district|area|old town|suburbs] will [stay closed|remain shut|be closed|not reopen] until [further notice|next week|the end of {month}|repairs are finished], {role} said.",
    "The [agreement|deal|law|budget] still [needs|requires|awaits] the [approval|backing|signature|consent] of [parliament|the senate|the assembly|the president], which is [expected|due|likely|set] to [debate|consider|vote on|discuss] it in {month}.",
    "Shares in [Northwind Logistics|Bluecrest Holdings|the port operator|the construction group] [fell|dropped|slid|rose] {pct3} percent after the [announcement|news|report|decision].",
    "[Farmers|Growers|Fishermen|Vineyard owners] near {place} say the [drought|heatwave|late frost|flooding] has already [cut|reduced|halved|damaged] their [harvest|catch|income|crops] by [half|a third|a quarter|{pct3} percent].",
    "[By late afternoon|On {weekday} night|Earlier in the day|By the weekend] [about|around|more than|nearly] {n2} [families|residents|pupils|workers] had been [moved|evacuated|sent home|relocated] to [temporary shelters|a sports hall|relatives|nearby towns].",
    "The [minister|mayor|commissioner|governor] [is expected|is due|plans|hopes] to [visit|tour|inspect|travel to] {place} [later this week|next month|on {weekday}|before the vote] to [meet|speak with|reassure|hear from] [residents|workers|local leaders|business owners].",
    "[Data|Figures|Statistics|Records] [from|published by|compiled by|released by] {org} show that [complaints|accidents|delays|cancellations] [rose|fell|doubled|jumped] [sharply|by {pct2} percent|for a third year|in {year}].",
    "[Some|Many|A few|Most] of the [residents|traders|parents|commuters] [interviewed|questioned|we spoke to|approached] on {weekday} said they [had not heard|knew little|had learnt nothing|were not told] about the [plan|changes|vote|consultation] [until|before|ahead of] [this week|the weekend|last month|the letters arrived].",
]


def _parse(template: str) -> tuple:
    """``"a [b|c] d"`` -> ``("a ", ("b", "c"), " d")``."""
    parts = re.split(r"\[([^\]]+)\]", template)
    return tuple(p if k % 2 == 0 else tuple(p.split("|")) for k, p in enumerate(parts) if p)


SENTENCES = [_parse(t) for t in SENTENCE_TEMPLATES]
PHRASINGS = 512  # phrasings drawn per template for a corpus


#: Headlines of teasers and titles. Slots as above (another story's).
HEADLINES = [
    "{place} council approves {topic} after long debate", "{person} defends {topic} in heated session",
    "{place} residents protest over {topic}", "{org_cap} warns of delays to {topic}",
    "Police arrest {n2} after clashes in {place}", "{place} to hold vote on {topic} next month",
    "What {topic} means for {place}", "{person} named new head of {org}",
    "{place} mayor under fire over {topic}", "Court halts {topic} in {place}",
    "{n3} sign petition against {topic}", "Costs of {topic} double, report finds",
    "Five things to know about {topic}", "{place} braces for strike over {topic}",
    "Minister promises answers on {topic}", "{place} unveils plan to tackle {topic}",
    "Opposition demands inquiry into {topic}", "Why {place} is divided over {topic}",
    "{place} heatwave: hospitals on alert", "Floods cut off villages near {place}",
    "Investors pull out of {place} port deal", "{person} resigns after row over {topic}",
]
#: Sentences that go on into a truncated blurb.
BLURBS = [
    "Hundreds of residents in {place} gathered on {weekday} to protest against {topic}, which they say",
    "{org_cap} on {weekday} said it would review {topic} after a report found that costs had risen by",
    "{person} told a packed meeting in {place} that {topic} would go ahead despite objections from",
    "Officials in {place} have warned that {topic} could be delayed by up to a year after engineers",
    "A new survey shows that most people in {place} oppose {topic}, with just {pct} percent saying",
    "The government said on {weekday} that it would send {n2} inspectors to {place} to look into",
]

_BOILER_GENERIC = [
    "For the latest headlines, follow our Google News channel online or via the app.",
    "Follow us on Twitter and Facebook for the latest updates.",
    "Subscribe to our newsletter to get the day's top stories in your inbox.",
    "Sign up for our free morning briefing.",
    "Download our free app for breaking news alerts.",
    "Join our WhatsApp channel for breaking news.",
    "Advertisement",
    "Share this article: Facebook | Twitter | WhatsApp | Email",
]


@dataclass(frozen=True)
class Site:
    """A made-up news site's house style."""

    slug: str
    name: str
    teasers: str          # readmore | blocks | readmore_blocks | related | more_from | inline | none
    header: tuple[str, ...]
    in_body: tuple[str, ...]
    footer: tuple[str, ...]
    title_line: bool      # the headline is the first line of the text
    byline: str | None


SITES = [
    Site("harbour-gazette", "The Harbour Gazette", "readmore_blocks", (),
         ("For the latest headlines, follow our Google News channel online or via the app.",), (), False, None),
    Site("daily-meridian", "The Daily Meridian", "readmore", ("Home | World | Business | Sport | Opinion",),
         ("Advertisement",), ("© {year} The Daily Meridian. All rights reserved.",), True, "By {person} | {month} {day}, {year}"),
    Site("northern-post", "Northern Post", "related", ("Skip to main content",),
         ("Follow us on Twitter and Facebook for the latest updates.",),
         ("Share this article: Facebook | Twitter | WhatsApp | Email",), True, "{person}, {month} {day}, {year}"),
    Site("city-ledger", "City Ledger", "blocks", (),
         ("Subscribe to our newsletter to get the day's top stories in your inbox.",), (), False, None),
    Site("coastal-times", "Coastal Times", "more_from", ("Menu", "Search"),
         (), ("Reporting by {person}; Editing by {person2}", "Terms of Use | Privacy Policy | Contact Us"),
         True, "Published on: {day}/{mon}/{year}"),
    Site("valley-voice", "Valley Voice", "inline", (),
         ("Sign up for our free morning briefing.",), ("© {year} Valley Voice Media",), False, None),
    Site("metro-herald", "Metro Herald", "none", ("Home › Local News",),
         ("Advertisement", "Download our free app for breaking news alerts."), (), True, "By {person}"),
    Site("island-chronicle", "Island Chronicle", "readmore", (),
         ("Join our WhatsApp channel for breaking news.",), ("Share on Facebook", "Share on Twitter"), False, None),
    Site("frontier-wire", "Frontier Wire", "blocks", ("Latest | Politics | Economy | World",),
         (), ("This article was originally published by Frontier Wire.",), True, None),
    Site("riverside-record", "Riverside Record", "related", (),
         ("For more stories like this, follow our page on Facebook.",), (), False, "{person} | Riverside Record"),
    Site("summit-observer", "Summit Observer", "more_from", (),
         ("Subscribe now for unlimited access to the Summit Observer.",), ("Comments (0)",), True, None),
    Site("plains-journal", "Plains Journal", "readmore", ("Skip to content",), (), (), False, None),
]

#: Shares of the document kinds (the rest are ordinary articles).
KIND_SHARES = (("near_duplicate", 0.06), ("exact_duplicate", 0.01), ("mojibake", 0.03), ("short", 0.012),
               ("symbols", 0.008), ("repeated", 0.006), ("menu_only", 0.006), ("empty", 0.003))

_WORDS_RE = re.compile(r"\S+")
_PARAGRAPHS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 20, 26)  # paragraphs per article (uniform over these)
_PARA_SENTENCES = (1, 2, 2, 2, 3, 3, 4, 5)  # sentences per paragraph
#: Steps through SENTENCES that visit every template once (coprime with its length).
_STRIDES = tuple(k for k in range(1, len(SENTENCES)) if math.gcd(k, len(SENTENCES)) == 1)


def _cp1252_table() -> list[str]:
    out = []
    for b in range(256):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined pass through, as browsers do
            out.append(chr(b))
    return out


_CP1252 = _cp1252_table()


def mojibake(text: str) -> str:
    """``text`` as UTF-8 bytes read as Windows-1252 (``’`` becomes ``â€™``)."""
    if text.isascii():
        return text
    return "".join(_CP1252[b] for b in text.encode("utf-8"))


def _seed_files() -> list[Path]:
    """The seed articles shipped with the builder (never a ``seeds/`` of the working folder: same output anywhere)."""
    here = Path(__file__).resolve().parent
    for root in (here.parent / "seeds", here / "seeds"):
        if root.is_dir() and any(root.glob("*.txt")):
            return sorted(root.glob("*.txt"))
    try:
        from importlib.resources import files

        return sorted(Path(str(files("builder.seeds"))).glob("*.txt"))
    except (ModuleNotFoundError, TypeError):
        return []


def seed_sentences() -> list[str]:
    """Sentences of the seed articles' bodies (lines before the teasers, boilerplate left out)."""
    out: list[str] = []
    for path in _seed_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().lower().startswith(("read more", "-", "related")):
                break
            if len(line.split()) >= 12 and "follow" not in line.lower():
                out += [s.strip() for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", line) if len(s.split()) >= 6]
    return out


class ArticleFactory:
    """Makes article ``i`` after article ``i - 1`` from one random stream (deterministic for a seed).

    Args:
        seed: the random seed; the same seed gives the same articles.
    """

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.wire = seed_sentences()
        self.recent: deque = deque(maxlen=200)  # stories available to near-duplicates (bounded)
        #: other stories that teasers point to (like a site's teaser lists, the same ones recur)
        self._others = [self.other() for _ in range(4096)]
        #: phrasings of each template, drawn once (choosing them per sentence is the slow part)
        self._phrasings = [[self.phrasing(t) for _ in range(PHRASINGS)] for t in SENTENCES]
        self._cum = []
        acc = 0.0
        for kind, share in KIND_SHARES:
            acc += share
            self._cum.append((acc, kind))

    # -- story context ------------------------------------------------------
    def pick(self, seq):
        """A random element (``random.choice`` without its overhead: this is the hot path)."""
        return seq[int(self._random() * len(seq))]

    def num(self, lo: int, hi: int) -> int:
        return lo + int(self._random() * (hi - lo + 1))

    def context(self) -> dict:
        pick, num = self.pick, self.num
        last = pick(LAST)
        place = pick(PLACES)
        org = pick(ORGS).format(place=place)
        return {
            "place": place, "person": f"{pick(FIRST)} {last}", "surname": last,
            "person2": f"{pick(FIRST)} {pick(LAST)}", "org": org, "org_cap": org[0].upper() + org[1:],
            "topic": pick(TOPICS), "role": pick(ROLES), "weekday": pick(WEEKDAYS),
            "month": pick(MONTHS), "year": num(2012, 2024), "day": num(1, 28), "mon": f"{num(1, 12):02d}",
            "n1": num(2, 12), "n2": num(3, 60), "n3": f"{num(120, 48000):,}", "n4": f"{num(200, 90000):,}",
            "n5": num(2, 30), "pct": num(3, 72), "pct2": num(2, 40), "pct3": num(5, 60),
            "money": f"{num(2, 900)} million euros",
            "section": pick(SECTIONS),
        }

    def other(self) -> dict:
        """A smaller context for another story's headline or blurb (only the slots they use)."""
        pick, num = self.pick, self.num
        place = pick(PLACES)
        org = pick(ORGS).format(place=place)
        return {"place": place, "person": f"{pick(FIRST)} {pick(LAST)}", "org": org, "org_cap": org[0].upper() + org[1:],
                "topic": pick(TOPICS), "weekday": pick(WEEKDAYS), "n2": num(3, 60), "n3": f"{num(120, 48000):,}",
                "pct": num(3, 72), "section": pick(SECTIONS)}

    def kind(self) -> str:
        x = self._random()
        for acc, k in self._cum:
            if x < acc:
                return k
        return "article"

    # -- parts ----------------------------------------------------------------
    def paragraphs(self, ctx: dict) -> list[str]:
        """Body paragraphs: distinct sentences of the story (a stride through the templates), some wire copy."""
        pick, rnd = self.pick, self._random
        sizes = [pick(_PARA_SENTENCES) for _ in range(pick(_PARAGRAPHS))]
        total = sum(sizes)
        n = len(SENTENCES)
        pos, step = int(rnd() * n), pick(_STRIDES)
        render = self.sentence
        sents = [render((pos + k * step) % n, ctx) for k in range(min(total, n))]
        if total > n:  # a long article turns to a second story in the same place
            ctx2 = {**ctx, **self.context(), "place": ctx["place"]}
            sents += [render((pos + k * step) % n, ctx2) for k in range(total - n)]
        if self.wire:  # about one sentence in 40 is wire copy (geometric gaps), each wire sentence once per article
            used = set()
            j = int(-math.log(1.0 - rnd()) * 40)
            while j < total:
                w = pick(self.wire)
                if w not in used:  # (an article that pastes a sentence twice is what the quality filter rejects)
                    used.add(w)
                    sents[j] = w
                j += 1 + int(-math.log(1.0 - rnd()) * 40)
        out, k = [], 0
        for m in sizes:
            out.append(" ".join(sents[k:k + m]))
            k += m
        return out

    def phrasing(self, parts: tuple) -> str:
        """One phrasing of a parsed template (its ``{slots}`` still open)."""
        pick = self.pick
        return "".join([p if p.__class__ is str else pick(p) for p in parts])

    def sentence(self, k: int, ctx: dict) -> str:
        """Template ``k`` in one of its phrasings, filled from ``ctx``."""
        return self.pick(self._phrasings[k]).format_map(ctx)

    def headline(self) -> str:
        return self.pick(HEADLINES).format_map(self.pick(self._others))

    def teasers(self, style: str, ctx: dict) -> list[str]:
        k = self.num(2, 5)
        if style == "readmore":
            return [self.pick(("Read more:", "Read More", "READ MORE:", "Read also:"))] + [self.headline() for _ in range(k)]
        if style == "blocks":
            return ["-"] + self._blocks(k)
        if style == "readmore_blocks":  # the seed's style: a Read more list, then headline + blurb blocks
            return (["Read more:"] + [self.headline() for _ in range(self.num(2, 3))] + ["-"] + self._blocks(k))
        if style == "related":
            bullet = self.pick(("• ", "- ", "» "))
            return [self.pick(("Related Stories", "Related Articles", "Related:"))] + [bullet + self.headline() for _ in range(k)]
        if style == "more_from":
            head = self.pick((f"More from {ctx['section']}", "You may also like", "Most Read", "Recommended for you"))
            return [head] + [self.headline() for _ in range(k)]
        return []

    def _blocks(self, k: int) -> list[str]:
        out = []
        for _ in range(k):
            c = self.pick(self._others)
            blurb = self.pick(BLURBS).format_map(c)
            out += [self.pick(HEADLINES).format_map(c), f"{blurb} ... {c['section']} -"]
        return out

    # -- one document ---------------------------------------------------------
    def article(self, i: int) -> dict:
        """Article ``i``: ``{"site", "kind", "title", "date", "url", "text"}``."""
        kind = self.kind()
        if kind in ("near_duplicate", "exact_duplicate") and not self.recent:
            kind = "article"
        site = SITES[int(self._random() * len(SITES))]
        ctx = self.context()
        title = self.pick(HEADLINES).format_map(ctx)
        if kind in ("near_duplicate", "exact_duplicate"):
            prev = self.recent[int(self._random() * len(self.recent))]
            if kind == "exact_duplicate":  # the same text again, under another address
                return {k: prev[k] for k in ("site", "title", "date", "text")} | {
                    "kind": kind, "url": f"{prev['url'].rsplit('-', 1)[0]}-{i}"}
            paras = list(prev["paras"])
            j = int(self._random() * len(paras))
            action = self._random()
            if action < 0.4:
                paras[j] = " ".join(self.paragraphs(ctx)[:1])
            elif action < 0.7 and len(paras) > 3:
                del paras[j]
            else:
                paras.insert(j, self.paragraphs(ctx)[0])
            ctx, title = prev["ctx"], prev["title"]
        elif kind == "short":
            return self._doc(i, site, kind, title, ctx, self.pick((
                [title, "Live updates to follow."], ["Page not found."], [f"{ctx['place']}: {ctx['topic']}", "Watch the video."],
                ["This content is only available to subscribers."])))
        elif kind == "symbols":
            rows = [" | ".join(f"{self.num(0, 999):>3}" for _ in range(6)) for _ in range(self.num(6, 20))]
            return self._doc(i, site, kind, title, ctx, ["| # | A | B | C | D | E |", "|---|---|---|---|---|---|", *rows])
        elif kind == "repeated":
            line = self.sentence(int(self._random() * len(SENTENCES)), ctx)
            return self._doc(i, site, kind, title, ctx, [line] * self.num(6, 15))
        elif kind == "menu_only":
            return self._doc(i, site, kind, title, ctx, ["Home | World | Business | Sport | Opinion", "Skip to main content",
                                                          *_BOILER_GENERIC[:self.num(2, 6)], "© 2021 All rights reserved."])
        elif kind == "empty":
            return self._doc(i, site, kind, title, ctx, [])
        else:
            paras = self.paragraphs(ctx)
        lines = [*site.header]
        if site.title_line:
            lines.append(title)
        if site.byline:
            lines.append(site.byline.format_map(ctx))
        body = list(paras)
        for b in site.in_body:  # house boilerplate inside the body, after paragraph 2..4
            if self._random() < 0.8:
                body.insert(min(len(body), self.num(2, 4)), b)
        if self._random() < 0.15:
            body.insert(self.num(1, len(body)), self.pick(_BOILER_GENERIC))
        if site.teasers == "inline":
            for _ in range(self.num(1, 2)):
                body.insert(self.num(1, len(body)), f"{self.pick(('Read more', 'Also read', 'READ MORE'))}: {self.headline()}")
        lines += body
        lines += self.teasers(site.teasers, ctx)
        lines += [f.format_map(ctx) for f in site.footer]
        if kind == "mojibake":  # UTF-8 read as Windows-1252 on some lines, which normalize repairs
            lines = [mojibake(ln) if self._random() < 0.5 else ln for ln in lines]
        doc = self._doc(i, site, kind if kind in ("near_duplicate", "mojibake") else "article", title, ctx, lines)
        if doc["kind"] == "article":
            self.recent.append({**doc, "paras": paras, "ctx": ctx})
        return doc

    def _doc(self, i: int, site: Site, kind: str, title: str, ctx: dict, lines: list[str]) -> dict:
        slug = "-".join(_WORDS_RE.findall(title.lower())[:8]).strip("-")
        slug = re.sub(r"[^a-z0-9-]+", "", slug)
        section = ctx["section"].lower().replace(" ", "-")
        return {"site": site.slug, "kind": kind, "title": title,
                "date": f"{ctx['year']}-{ctx['mon']}-{ctx['day']:02d}",
                "url": f"https://www.{site.slug}.example/{section}/{slug}-{i}",
                "text": "\n".join(lines) + ("\n" if lines else "")}


def generate(out: Path | str, n: int, seed: int = 0, fmt: str = "txt") -> dict:
    """Write ``n`` articles under ``out``; returns counts by kind, files and bytes.

    Args:
        out: the output folder (created; must be empty if it exists).
        n: how many articles.
        seed: random seed; the same seed gives the same files.
        fmt: ``txt`` (one file per article, a folder per site) or ``jsonl``.
    """
    if fmt not in ("txt", "jsonl"):
        raise BuilderError(f"--format must be txt or jsonl, got {fmt!r}")
    if n < 0:
        raise BuilderError(f"--n must be 0 or more, got {n}")
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BuilderError(f"{out} exists and is not an empty folder: pick a new --out")
    out.mkdir(parents=True, exist_ok=True)
    fac = ArticleFactory(seed)
    kinds: Counter = Counter()
    nbytes = 0
    fh = None
    made_dirs: set[str] = set()
    try:
        for i in range(n):
            a = fac.article(i)
            kinds[a["kind"]] += 1
            if fmt == "txt":
                d = out / a["site"]
                if a["site"] not in made_dirs:
                    d.mkdir(exist_ok=True)
                    made_dirs.add(a["site"])
                data = a["text"].encode("utf-8")
                (d / f"{i:07d}.txt").write_bytes(data)
            else:
                if i % RECORDS_PER_FILE == 0:
                    if fh is not None:
                        fh.close()
                    fh = open(out / f"articles-{i // RECORDS_PER_FILE:05d}.jsonl", "wb")
                rec = {"id": f"gen-{seed}-{i:07d}", "url": a["url"], "title": a["title"], "date": a["date"],
                       "kind": a["kind"], "text": a["text"]}
                data = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
                fh.write(data)
            nbytes += len(data)
    finally:
        if fh is not None:
            fh.close()
    return {"articles": n, "bytes": nbytes, "kinds": dict(sorted(kinds.items())), "format": fmt, "path": str(out)}


def main(argv: list[str] | None = None) -> int:
    """``builder generate --out DIR --n N [--seed S] [--format txt|jsonl]``."""
    p = argparse.ArgumentParser(prog="builder generate",
                                description="Write a synthetic corpus of scraped-style news articles.")
    p.add_argument("--out", required=True, help="output folder (created; must be empty)")
    p.add_argument("--n", type=int, required=True, help="number of articles")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same seed gives the same files")
    p.add_argument("--format", choices=("txt", "jsonl"), default="txt",
                   help="txt: one file per article in a folder per site; jsonl: 10,000 records per file")
    a = p.parse_args(argv)
    t0 = time.monotonic()
    res = generate(a.out, a.n, a.seed, a.format)
    kinds = ", ".join(f"{k} {v}" for k, v in res["kinds"].items())
    print(f"wrote {res['articles']} articles ({res['bytes'] / 1e6:.1f} MB, {a.format}) to {res['path']} "
          f"in {time.monotonic() - t0:.1f}s: {kinds}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

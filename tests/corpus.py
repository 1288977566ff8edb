"""Small scraped-style articles made for the tests (no third-party text).

Each article has a body of prose paragraphs about its own story, optionally a
boilerplate line in the body, and optionally teasers after the body in one of
a few house styles.
"""

from __future__ import annotations

import random

PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Perth", "Accra", "Bergen", "Lyon", "Hanoi",
          "Cusco", "Dakar", "Krakow", "Oaxaca", "Tromso", "Izmir"]
PEOPLE = ["Maria Okafor", "Jonas Lindqvist", "Priya Raman", "Tomas Novak", "Aiko Tanaka", "Diego Ferreira",
          "Lena Hoffmann", "Samuel Mensah", "Elif Demir", "Nadia Haddad"]
TOPICS = ["a new tram line", "the harbour expansion", "a water rationing plan", "the city budget",
          "a heatwave warning", "the regional election", "a strike by teachers", "the new stadium",
          "a flood defence project", "rising rents", "a bridge closure", "a museum reopening"]


def article(i: int, teasers: str | None = "readmore", boiler: bool = True, seed: int = 0) -> str:
    r = random.Random(seed * 1000 + i)
    place, person, topic = PLACES[i % len(PLACES)], PEOPLE[i % len(PEOPLE)], TOPICS[i % len(TOPICS)]
    paras = [
        f"Officials in {place} on Tuesday presented {topic}, saying the work would start before the end of the year.",
        f"{person}, who leads the council committee in charge of the plan, told reporters that the cost had been reviewed twice.",
        f"Residents of {place} have been divided over {topic} since it was first proposed {r.randint(2, 9)} years ago.",
        f"According to the council, about {r.randint(100, 900)} people attended the public hearings held in {place} this spring.",
        f"{person} said the council would publish the full report on its website and answer questions from residents next week.",
        f"Opposition members argued that {topic} had been rushed and asked for an independent study of its costs.",
    ]
    lines = paras[:3] + (["Follow us on Twitter and Facebook for the latest updates."] if boiler else []) + paras[3:]
    others = [(j, PLACES[j % len(PLACES)], TOPICS[j % len(TOPICS)]) for j in (i + 3, i + 5, i + 7)]
    if teasers == "readmore":
        lines += ["Read more:"] + [f"{p} council approves {t} after long debate" for _, p, t in others]
    elif teasers == "blocks":
        lines.append("-")
        for _, p, t in others:
            lines += [f"{p} residents protest over {t}",
                      f"Hundreds of residents in {p} gathered on Saturday to protest against {t}, which they say ... Local News -"]
    elif teasers == "related":
        lines += ["Related Stories"] + [f"• {p} mayor defends {t} in heated council session" for _, p, t in others]
    return "\n".join(lines) + "\n"


def write_corpus(folder, n: int = 12, styles=("readmore", "blocks", "related", None), seed: int = 0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"article_{i:03d}.txt").write_text(article(i, styles[i % len(styles)], seed=seed), encoding="utf-8")
    return folder

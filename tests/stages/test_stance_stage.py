import numpy as np
import pyarrow as pa

from builder.stages import StancePairer, ZeroShotStanceLabeler
from builder.stages.stance import doc_frequencies, bucket

BODY = ("The city council of Bergen approved a new tram line on Tuesday after a long debate. "
        "The line will connect the airport with the city centre and open in 2027, officials said.")


def test_pairer_is_deterministic_and_leak_free():
    arts = [{"id": f"a{i}", "cluster_id": "c0" if i < 2 else f"c{i}", "split": "train" if i % 3 else "test",
             "title": f"Title of story {i}", "headlines": [f"Teaser {i} one", f"Teaser {i} two"]} for i in range(9)]
    p = StancePairer()
    pairs = p.pairs(arts)
    assert pairs == StancePairer().pairs(list(reversed(arts)))
    split_of = {a["id"]: a["split"] for a in arts}
    owner = {h: a for a in arts for h in [a["title"], *a["headlines"]]}
    for a in arts:
        ps = pairs[a["id"]]
        kinds = [x["pair"] for x in ps]
        assert kinds.count("own_headline") == 1 and kinds.count("teaser") == 2
        for x in ps:
            if x["pair"] == "sampled_negative":
                o = owner[x["headline"]]
                assert o["cluster_id"] != a["cluster_id"] and split_of[o["id"]] == a["split"]
        assert kinds.count("sampled_negative") <= 3


def test_zeroshot_labels():
    lab = ZeroShotStanceLabeler()
    df = np.zeros(1 << 18, dtype=np.int64)
    for b, c in doc_frequencies([BODY, "Unrelated text about football and weather."]).items():
        df[b] = c
    lab.bind_corpus(df, 2)
    assert lab.label("Bergen council approves new tram line to the airport", BODY)[0] in ("agree", "discuss")
    label, conf, rel = lab.label("Football club signs striker from Brazil", BODY)
    assert label == "unrelated" and conf > 0.5 and rel < 0.35
    assert lab.label("Bergen tram line approval was a hoax, officials deny", BODY)[0] == "disagree"
    assert bucket("tram") == bucket("tram")


def test_stage_drops_low_confidence_and_labels_negatives_unrelated():
    lab = ZeroShotStanceLabeler(min_confidence=0.0)
    t = pa.table({"text": [BODY], "stance_pairs": [[{"headline": "Storm hits Osaka port", "pair": "sampled_negative"},
                                                     {"headline": "Bergen approves tram line", "pair": "teaser"}]]})
    rows = lab(t).column("stance").to_pylist()[0]
    assert rows[0]["label"] == "unrelated" and rows[1]["label"] != "unrelated"
    strict = ZeroShotStanceLabeler(min_confidence=0.99)
    assert len(strict(t).column("stance").to_pylist()[0]) < 2

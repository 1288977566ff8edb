"""LanguageIdentifier: lingua language ids, the keep filter, and its config file."""

import inspect
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from builder.errors import BuilderError
from builder.stages.language import DEFAULT_LANGUAGES, LanguageIdentifier

CONF = Path(__file__).resolve().parents[2] / "conf" / "lang"

NEWS = {
    "en": "The city council voted on Monday to approve a new budget for the coming year. The plan includes money "
          "for schools, roads and a new library in the northern district, officials said.",
    "de": "Der Stadtrat hat am Montag einen neuen Haushalt für das kommende Jahr beschlossen. Der Plan sieht Geld "
          "für Schulen, Straßen und eine neue Bibliothek im nördlichen Stadtteil vor, teilte die Verwaltung mit.",
    "fr": "Le conseil municipal a approuvé lundi un nouveau budget pour l'année prochaine. Le projet prévoit des "
          "fonds pour les écoles, les routes et une nouvelle bibliothèque dans le quartier nord, selon la mairie.",
    "es": "El ayuntamiento aprobó el lunes un nuevo presupuesto para el próximo año. El plan incluye dinero para "
          "escuelas, carreteras y una nueva biblioteca en el distrito norte, según informaron las autoridades.",
}


@pytest.fixture(scope="module")
def li():
    return LanguageIdentifier(keep=[])


@pytest.mark.parametrize("code", sorted(NEWS))
def test_detects_news_paragraphs(li, code):
    assert li.detect(NEWS[code]) == code


@pytest.mark.parametrize("text", ["", None, "   \n ", "12:30 — 4/5 ++ 2024"])
def test_empty_or_letterless_text_is_unknown(li, text):
    assert li.detect(text) is None


def test_high_accuracy_mode_on_short_headlines():
    high = LanguageIdentifier(keep=[], low_accuracy=False, languages=["en", "de", "fr", "es"])
    short = {"en": "Council approves new budget", "de": "Stadtrat beschließt neuen Haushalt",
             "fr": "Le conseil approuve le budget", "es": "El ayuntamiento aprueba el presupuesto"}
    assert {c: high.detect(t) for c, t in short.items()} == {c: c for c in short}


def test_column_without_filter(li):
    t = pa.table({"id": list("abcde"), "text": [NEWS["en"], NEWS["de"], NEWS["fr"], NEWS["es"], ""]})
    out = li(t)
    assert out.column("lang").to_pylist() == ["en", "de", "fr", "es", None]
    assert "reject_reason" not in out.column_names  # keep: [] keeps everything
    assert out.schema.field("lang").type == pa.string()


def test_keep_rejects_other_languages_keeps_first_reason_and_unknown():
    st = LanguageIdentifier(keep=["en", "de"])
    t = pa.table({
        "text": [NEWS["en"], NEWS["de"], NEWS["fr"], NEWS["es"], "", NEWS["fr"]],
        "reject_reason": [None, None, None, "too_few_words", None, None],
    })
    out = st(t)
    assert out.column("lang").to_pylist() == ["en", "de", "fr", "es", None, "fr"]
    assert out.column("reject_reason").to_pylist() == [None, None, "language", "too_few_words", None, "language"]
    strict = LanguageIdentifier(keep=["en"], keep_unknown=False)
    assert strict(pa.table({"text": ["", NEWS["en"]]})).column("reject_reason").to_pylist() == ["language", None]


def test_default_keeps_english_only():
    st = LanguageIdentifier()
    assert st.keep == ["en"] and tuple(st.languages) == DEFAULT_LANGUAGES and st.low_accuracy
    out = st(pa.table({"text": [NEWS["en"], NEWS["es"]]}))
    assert out.column("reject_reason").to_pylist() == [None, "language"]


def test_other_column_and_missing_column():
    st = LanguageIdentifier(keep=[], column="norm", languages=["en", "fr"])
    assert st(pa.table({"norm": [NEWS["fr"]]})).column("lang").to_pylist() == ["fr"]
    with pytest.raises(BuilderError, match="norm"):
        st(pa.table({"text": ["x"]}))


def test_bad_config_is_a_user_error():
    with pytest.raises(BuilderError, match="ISO 639-1"):
        LanguageIdentifier(languages=["en", "xx"])
    with pytest.raises(BuilderError, match="not among"):
        LanguageIdentifier(languages=["de", "fr"], keep=["en"])
    with pytest.raises(BuilderError, match="two"):
        LanguageIdentifier(languages=["en"])


def test_detector_is_lazy_and_not_pickled():
    import pickle

    st = LanguageIdentifier(keep=[], languages=["en", "de"], fast_path=False)
    assert st._detector is None
    st.detect(NEWS["de"])
    assert st._detector is not None
    clone = pickle.loads(pickle.dumps(st))
    assert clone._detector is None and clone.detect(NEWS["en"]) == "en"


def test_describe_and_identity():
    st = LanguageIdentifier()
    d = st.describe()
    assert d["name"] == "lang" and d["version"] == "lang.cld2-lingua.v3" and d["config"]["keep"] == ["en"]
    assert st.identity["name"] == "cld2+lingua" and "pycld2" in st.identity["version"]
    assert LanguageIdentifier(fast_path=False).identity["name"] == "lingua"


MIXED = {
    # mostly English with a long Spanish quote: CLD2 is not sure, lingua decides
    "en_with_es": NEWS["en"] + " " + NEWS["en"] + " 'El ayuntamiento aprobó el lunes un nuevo presupuesto.'",
    "es_with_en": NEWS["es"] + " " + NEWS["en"],
    "short": "Council approves new budget",
    "table": "| # | A | B | C |\n|---|---|---|---|\n529 | 847 | 983 | 598",
    "controls": NEWS["fr"].replace(" ", "\x01 ", 3),
}


@pytest.mark.parametrize("key", sorted(NEWS) + sorted(MIXED))
def test_fast_path_agrees_with_lingua(key):
    text = NEWS.get(key) or MIXED[key]
    fast, slow = LanguageIdentifier(keep=[]), LanguageIdentifier(keep=[], fast_path=False)
    assert fast.detect(text) == slow.detect(text)


def test_fast_path_leaves_unsure_texts_to_lingua_and_names_sure_non_candidates():
    st = LanguageIdentifier(keep=[], languages=["en", "de"])
    assert st._cld2(NEWS["en"] * 2) == "en"
    # French is not a candidate, but CLD2 is sure: it stays French (lingua could only say en or de)
    assert st.detect(NEWS["fr"] * 2) == "fr"
    assert st._cld2("Council approves new budget") is None  # too short to trust CLD2
    assert LanguageIdentifier(keep=[])._cld2(MIXED["es_with_en"]) is None  # 57% Spanish: not sure enough
    with pytest.raises(BuilderError, match="fast_min_percent"):
        LanguageIdentifier(fast_min_percent=120)


def test_conf_files_match_constructor():
    node = yaml.safe_load((CONF / "lingua.yaml").read_text("utf-8"))
    keys = {k for k in node if not k.startswith("_")}
    assert keys == set(inspect.signature(LanguageIdentifier).parameters)
    from hydra.utils import instantiate

    st = instantiate(node, _convert_="all")
    assert isinstance(st, LanguageIdentifier)
    assert tuple(st.languages) == DEFAULT_LANGUAGES and st.keep == ["en"]
    assert yaml.safe_load((CONF / "none.yaml").read_text("utf-8")) is None  # a comment only: lang=none

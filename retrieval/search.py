"""Hybrid search with citations: dense (FAISS) and lexical (BM25) rankings fused, filtered by
family and model, one hit per manual section, shown in the query's language where the manuals
have it (other languages as fallback), with cross-lingual expansion through the glossary and
symptom expansion through the knowledge pack (a lay symptom -> the sections about the faults
it is evidence for; see retrieval/symptoms.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.language_detection import LanguageIdentifier
from core.languages import LANGUAGES
from retrieval.analysis import Decompounder, analyzer
from retrieval.documents import Chunk
from retrieval.encoder import Encoder
from retrieval.errors import UnknownFilterError
from retrieval.glossary import Expansion
from retrieval.store import LoadedIndex, embedded_languages, load_index
from retrieval.symptoms import SymptomMatch
from retrieval.task_verbs import action_terms

MODES = ("hybrid", "dense", "lexical")
# Convex combination (0.5 x cosine + 0.5 x BM25/max) beat reciprocal rank fusion on the
# labelled set in every language (bench/out/retrieval_eval.md): RRF gives a weakly similar
# chunk the same credit for its dense rank as a strong match.
FUSIONS = ("convex", "rrf")
RRF_K = 60
EXPANSION_WEIGHT = 0.5  # lexical weight of glossary equivalents relative to the query's own terms
TYPO_WEIGHT = 0.6
# Weight of the symptom -> fault sections score in the convex fusion: half that of a named
# code or part number (an id names its section; a symptom only points to candidate faults).
SYMPTOM_WEIGHT = 0.25
# "How do I ..." wants a procedure: overviews, data tables and the schedule (the last part of
# the section id) weigh this much in such a search, so a model table that names the model asked
# about no longer outranks the task's own section.
REFERENCE_SECTIONS = frozenset({"about", "models", "ranges", "codes", "maintenance", "parts",
                                "troubleshooting"})
REFERENCE_WEIGHT = 0.5
# ... and a section whose title names what the question asks about ("Mechanical seal failure"
# for "how do I replace the mechanical seal?") gains this much times the share of its title's
# terms the question has: the title says what a procedure is for, the body mentions much else.
TITLE_WEIGHT = 0.4  # chosen on the validation how-to set (bench/data/blind/2026-12-03)
# A section is split into chunks (symptoms, checks, remedy); the best chunk stands for it. In
# a "how do I" search each chunk also gains this much of the mean score of its section's other
# chunks (same language): a section about the task matches it in several parts, while one that
# merely mentions it does so in one ("top up oil": "Low oil level" in its symptoms, checks and
# remedy; "Oil overfilled" in one cause). Chosen on the study how-to sets (+14 of 1578 over
# sets b-j, no language lower; bench/data/blind/README.md). Not used for other searches, where
# it traded Greek Recall@5 for MRR on the labelled set.
SECTION_WEIGHT = 0.2
# A maintenance-task section ("hcp.maint.mt_hcp_2000h": the kind is the id's middle part)
# lists its work in short clauses ("Regrease pump bearings ...; check coupling element; clean
# suction strainer"). A "how do I" question that names one of them ("how do I regrease the
# bearings?") gains this much times the share of that clause's words it has (idf-weighted, at
# least two words): the task's one line then outweighs fault sections that mention the same
# words among many others. Chosen on the study how-to sets (b-k: +16 of 1757, no language
# lower; 0.2 and 0.4 gained less, 0.6 lost English). Rechecked with the verbs of work as one
# term (retrieval/task_verbs.py) on study sets q-t: 0.4 +2 of 723 but Spanish -3, 0.5 -3.
TASK_WEIGHT = 0.3
TASK_SECTION = "maint"
# "How often ..." asks for the schedule's answer: the task clause it names counts this many
# times as much. Chosen on the study how-to sets y-ab and ac (regreasing bearings "how often
# and with what" had gone to the bearing-failure section in four languages).
FREQUENCY_FACTOR = 3.0
_FREQUENCY = {
    "en": re.compile(r"\bhow (often|frequently)\b|\bat what intervals?\b", re.I),
    "de": re.compile(r"\bwie (oft|häufig)\b|\bin welchem (intervall|abstand)\b", re.I),
    "fr": re.compile(r"\b(à )?quelle fréquence\b|\btous les combien\b|\bà quel intervalle\b",
                     re.I),
    "es": re.compile(r"\bcada cu[aá]nto\b|\bcon qu[eé] frecuencia\b", re.I),
    "el": re.compile(r"κάθε\s+π[οό]τε|π[οό]σο\s+συχν[αά]", re.I),
}
TASK_MIN_WORDS = 2
TASK_STEM = 6  # letters two stems share to be one word of a task clause
_CLAUSE = re.compile(r"[;\u00b7\u0387]\s*|\.\s+")  # Greek separates clauses with "·"
_ASIDE = re.compile(r"\([^)]*\)")
FLAT_SCORE_ALL = 20_000  # below this many chunks every chunk is scored (exact ranks)
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
# Knowledge-pack identifiers a query may name: error codes (E101, F004, AL140, A023), part
# numbers (HSC-OF-015) and model ids (HCP-50).
_ID = re.compile(r"\b(?:[A-Za-z]{1,3}\d{2,4}|[A-Za-z]{2,4}(?:-[A-Za-z0-9]+){1,3})\b")


@dataclass
class Hit:
    text: str
    score: float
    document: str
    section_id: str
    section_title: str
    language: str
    family: str | None
    models: list[str]
    topics: list[str]
    page: int | None = None
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {"text": self.text, "score": round(self.score, 6), "document": self.document,
                "section_id": self.section_id, "section_title": self.section_title,
                "language": self.language, "family": self.family, "models": self.models,
                "topics": self.topics}
        if self.page is not None:
            data["page"] = self.page
        return data


def asks_how_often(query: str, language: str) -> bool:
    """The question asks how often something is done ("wie oft", "cada cuánto")."""
    pattern = _FREQUENCY.get(language)
    return bool(pattern and pattern.search(query))


@dataclass
class SearchResult:
    hits: list[Hit]
    query_language: str | None
    expanded_with: list[str] = field(default_factory=list)


def detect_language(query: str) -> str | None:
    """The query's language among the five, or None when it does not tell (e.g. 'E101')."""
    if _GREEK.search(query):
        return "el"
    return LanguageIdentifier(min_confidence=0.5).detect(query).language


class Searcher:
    """Answers queries over one loaded index with one encoder."""

    def __init__(self, index: LoadedIndex, encoder: Encoder, *, fusion: str = "convex",
                 alpha: float = 0.5, dense_languages: tuple[str, ...] | None = ("en",),
                 symptom_weight: float = SYMPTOM_WEIGHT,
                 title_weight: float = TITLE_WEIGHT,
                 section_weight: float = SECTION_WEIGHT,
                 task_weight: float = TASK_WEIGHT) -> None:
        """`dense_languages`: the languages the embedding model understands (None: all). The
        packaged model is English-only: its vectors of Greek text are noise, so other
        languages reach the dense index through the glossary's English paraphrase only.
        `symptom_weight`: 0 turns the symptom expansion off (the evaluation's ablation)."""
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion '{fusion}' (choose one of {FUSIONS})")
        self.index = index
        self.encoder = encoder
        self.fusion = fusion
        self.alpha = alpha
        self.symptom_weight = symptom_weight
        self.title_weight = title_weight
        self.section_weight = section_weight
        self.task_weight = task_weight
        self.dense_languages = dense_languages
        chunks = index.chunks
        self._families = np.array([c.family or "" for c in chunks], dtype=object)
        self._languages = np.array([c.language for c in chunks], dtype=object)
        # Only chunks the index embedded (its meta says which languages) have a vector.
        embedded = embedded_languages(index.meta)
        wanted = [set(x) for x in (dense_languages, embedded) if x is not None]
        self._dense_rows = (np.ones(len(chunks), dtype=bool) if not wanted
                            else np.isin(self._languages.astype(str),
                                         sorted(set.intersection(*wanted))))
        # Knowledge-pack ids (codes, part numbers) -> rows of the sections about them; a
        # section whose title names the id is the one that defines it.
        self._topic_rows: dict[str, list[tuple[int, float]]] = {}
        for row, chunk in enumerate(chunks):
            for topic in chunk.topics:
                weight = 2.0 if topic.casefold() in chunk.section_title.casefold() else 1.0
                self._topic_rows.setdefault(topic.casefold(), []).append((row, weight))
        # Fault ids the symptom vocabulary can point to -> rows of the sections about them: the
        # fault's own troubleshooting section counts fully, sections that mention it (the
        # alarm codes that lead to it) half.
        self._fault_rows: dict[str, list[tuple[int, float]]] = {}
        fault_ids = index.symptoms.fault_ids
        for row, chunk in enumerate(chunks):
            for topic in chunk.topics:
                if topic in fault_ids:
                    weight = 1.0 if chunk.section_id.endswith("." + topic) else 0.5
                    self._fault_rows.setdefault(topic, []).append((row, weight))
        self._reference = np.array([_is_reference(c.section_id) for c in chunks], dtype=bool)
        analyzers = {language: analyzer(language) for language in {c.language for c in chunks}}
        self._title_terms = [frozenset(analyzers[c.language].analyze(c.section_title))
                             for c in chunks]
        idf = self._idf = index.lexical.idf()
        self._splitter = index.lexical.splitter
        self._task_clauses = [_task_clauses(c, analyzers[c.language], idf, self._splitter)
                              for c in chunks]
        self.families = sorted({c.family for c in chunks if c.family})
        self.models = sorted({m for c in chunks for m in c.models})
        self._groups: dict[tuple[str, str], list[int]] = {}
        for row, chunk in enumerate(chunks):
            self._groups.setdefault((chunk.series, chunk.section_id), []).append(row)
        versions: dict[tuple[str, str, str], int] = {}
        self._version_of = np.array([versions.setdefault(
            (c.series, c.section_id, c.language), len(versions)) for c in chunks], dtype=np.int64)

    @classmethod
    def open(cls, folder: Path, encoder: Encoder, **kwargs: Any) -> Searcher:
        return cls(load_index(folder, encoder.name, encoder.dimension), encoder, **kwargs)

    # -- filters -------------------------------------------------------------------------
    def validate(self, language: str | None, family: str | None, model: str | None) -> None:
        if language is not None and language not in LANGUAGES:
            raise UnknownFilterError("language", language, list(LANGUAGES))
        if family is not None and family not in self.families:
            raise UnknownFilterError("family", family, self.families)
        if model is not None and model not in self.models:
            raise UnknownFilterError("model", model, self.models)

    def _mask(self, family: str | None, model: str | None) -> np.ndarray:
        mask = np.ones(len(self.index.chunks), dtype=bool)
        if family is not None:
            mask &= self._families == family
        if model is not None:
            # Documents that name no models apply to every model of their family.
            mask &= np.array([not c.models or model in c.models for c in self.index.chunks])
        return mask

    # -- scoring -------------------------------------------------------------------------
    def _lexical_terms(self, query: str, language: str, expansion_terms: dict[str, list[str]]
                       ) -> dict[str, float]:
        terms: dict[str, float] = {}
        for term in analyzer(language).analyze(query, self.index.lexical.splitter):
            terms[term] = terms.get(term, 0.0) + 1.0
            for close in self.index.lexical.closest_terms(term):
                terms[close] = max(terms.get(close, 0.0), TYPO_WEIGHT)
        for other, texts in expansion_terms.items():
            for text in texts:
                for term in analyzer(other).analyze(text):
                    terms[term] = max(terms.get(term, 0.0), EXPANSION_WEIGHT)
        return terms

    def _dense_scores(self, texts: list[str], mask: np.ndarray) -> np.ndarray:
        vectors = self.encoder.encode(texts)
        size = self.index.dense.size  # the vectors: the embedded chunks only
        scores = np.full(len(self.index.chunks), -np.inf, dtype=np.float32)
        # Small corpora: every chunk gets an exact score. Large ones: ANN candidates only.
        k = size if size <= FLAT_SCORE_ALL else 1000
        found_scores, found_ids = self.index.dense.search(vectors, k)
        for row_scores, row_ids in zip(found_scores, found_ids, strict=True):
            valid = row_ids >= 0
            valid[valid] &= self._dense_rows[row_ids[valid]]
            ids = row_ids[valid]
            scores[ids] = np.maximum(scores[ids], row_scores[valid])
        return scores

    def _topic_scores(self, query: str) -> np.ndarray | None:
        """Sections about the ids the query names (E101, HSC-OF-015); None when it names none."""
        ids = {m.casefold() for m in _ID.findall(query)}
        hits = [pair for key in ids for pair in self._topic_rows.get(key, [])]
        if not hits:
            return None
        scores = np.zeros(len(self.index.chunks), dtype=np.float32)
        for row, weight in hits:
            scores[row] += weight
        return scores

    def _symptom_scores(self, faults: dict[str, float]) -> np.ndarray | None:
        """Sections about the faults a described symptom is evidence for; None when none."""
        hits = [(row, weight * section_weight) for fault, weight in faults.items()
                for row, section_weight in self._fault_rows.get(fault, [])]
        if not hits:
            return None
        scores = np.zeros(len(self.index.chunks), dtype=np.float32)
        for row, weight in hits:
            scores[row] += weight
        return scores

    @staticmethod
    def _ranks(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """1-based rank of each eligible row by score (ineligible rows: 0)."""
        ranks = np.zeros(len(scores), dtype=np.int64)
        rows = np.flatnonzero(eligible)
        order = rows[np.argsort(-scores[rows], kind="stable")]
        ranks[order] = np.arange(1, len(order) + 1)
        return ranks

    def _fuse(self, dense: np.ndarray | None, lexical: np.ndarray | None,
              topics: np.ndarray | None, mask: np.ndarray,
              symptoms: np.ndarray | None = None) -> np.ndarray:
        """Reciprocal rank fusion (sum of 1/(60 + rank) over the rankings a chunk is in), or a
        convex combination of dense cosine and max-normalised BM25; an id match and a
        described symptom each add a score (RRF: a ranking)."""
        fused = np.zeros(len(mask), dtype=np.float64)
        if self.fusion == "convex" and (dense is not None or lexical is not None):
            dense_part = np.where(np.isfinite(dense), dense, 0.0) if dense is not None else 0.0
            lex_part: Any = 0.0
            if lexical is not None:
                top = float(lexical[mask].max()) if mask.any() else 0.0
                lex_part = lexical / top if top > 0 else lexical
            alpha = self.alpha if dense is not None and lexical is not None else 1.0
            fused = alpha * dense_part + (1 - alpha) * lex_part if dense is not None \
                else lex_part
            fused = np.asarray(fused, dtype=np.float64) + (
                0.5 * topics / max(float(topics.max()), 1.0) if topics is not None else 0.0)
            if symptoms is not None:
                # Scaled like the id score: 1 = one strong piece of evidence on the fault's own
                # section, so a vague symptom (a hinted reading) keeps its smaller weight.
                fused = fused + self.symptom_weight * symptoms / max(float(symptoms.max()), 1.0)
            return np.where(mask & (fused > 0), fused, -np.inf)
        for scores, finite in ((dense, True), (lexical, False), (topics, False),
                               (symptoms, False)):
            if scores is None:
                continue
            eligible = mask & (np.isfinite(scores) if finite else scores > 0)
            ranks = self._ranks(scores, eligible)
            fused += np.where(ranks > 0, 1.0 / (RRF_K + ranks), 0.0)
        return np.where(mask & (fused > 0), fused, -np.inf)

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, *, language: str | None = None, family: str | None = None,
               model: str | None = None, k: int = 5, mode: str = "hybrid",
               procedures: bool = False) -> SearchResult:
        """Top-k sections for the query; `language` is the reader's language (detected from
        the query when not given); `procedures` ranks procedure and remedy sections above
        overviews, tables and schedules (a "how do I" question)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}' (choose one of {MODES})")
        self.validate(language, family, model)
        query = query.strip()
        query_language = language or detect_language(query)
        analysis_language = query_language or "en"
        expansion = self.index.glossary.expand(query, query_language)
        symptom = self.index.symptoms.match(query, query_language) \
            if mode == "hybrid" and self.symptom_weight > 0 else None
        if symptom is not None and symptom.ids:
            self._add_symptom_expansion(expansion, symptom, query_language)
        mask = self._mask(family, model)
        dense = lexical = topics = symptoms = None
        if mode in ("hybrid", "dense"):
            understood = self.dense_languages is None or analysis_language in \
                self.dense_languages
            texts = ([query] if understood or mode == "dense" else []) + (
                [expansion.english] if expansion.english else [])
            dense = self._dense_scores(texts, mask) if texts else None
        if mode in ("hybrid", "lexical"):
            terms = self._lexical_terms(query, analysis_language, expansion.terms)
            lexical = self.index.lexical.scores(terms)
        if mode == "hybrid":
            topics = self._topic_scores(query)
            symptoms = self._symptom_scores(symptom.faults) if symptom is not None else None
        fused = self._fuse(dense, lexical, topics, mask, symptoms)
        if procedures:
            fused = np.where(self._reference, fused * REFERENCE_WEIGHT, fused)
            if self.title_weight > 0:
                fused = fused + self.title_weight * self._title_overlap(query, analysis_language)
            if self.task_weight > 0:
                factor = FREQUENCY_FACTOR if asks_how_often(query, analysis_language) else 1.0
                fused = fused + factor * self.task_weight * self._task_match(
                    query, analysis_language)
            if self.section_weight > 0:
                fused = fused + self.section_weight * self._section_support(fused)
        hits = self._collapse(fused, k, query_language)
        return SearchResult(hits=hits, query_language=query_language,
                            expanded_with=expansion.matched)

    def _section_support(self, fused: np.ndarray) -> np.ndarray:
        """Per chunk, the mean score of the other chunks of its section version (0 for a
        section of one chunk, and for chunks that are filtered out)."""
        eligible = np.isfinite(fused)
        groups = self._version_of[eligible]
        values = fused[eligible]
        size = int(self._version_of.max()) + 1 if len(self._version_of) else 0
        totals = np.bincount(groups, weights=values, minlength=size)
        counts = np.bincount(groups, minlength=size)
        others = counts[groups] - 1
        support = np.zeros(len(fused), dtype=np.float64)
        support[eligible] = np.where(others > 0, (totals[groups] - values) / np.maximum(others, 1),
                                     0.0)
        return support

    def _task_match(self, query: str, language: str) -> np.ndarray:
        """Per chunk of a maintenance-task section, the idf-weighted share of its best-matched
        work clause that the question has (0 elsewhere, and under TASK_MIN_WORDS words). The
        verb of the work counts as its kind ("wechseln" is the task's "ersetzen") and German
        compounds by their parts ("Riemenspannung": "Spannung des Antriebsriemens")."""
        asked = _work_terms(analyzer(language).analyze(query, self._splitter), language)
        # A noun asks for its verb's task: "regraissage" for "regraisser", "Nachschmierung"
        # for "nachschmieren" (stems that differ only after their first letters).
        heads = {t[:TASK_STEM] for t in asked if len(t) >= TASK_STEM}
        scores = np.zeros(len(self._task_clauses), dtype=np.float64)
        for row, clauses in enumerate(self._task_clauses):
            for terms, total in clauses:
                found = [w for t, w in terms.items() if t in asked or
                         (len(t) >= TASK_STEM and t[:TASK_STEM] in heads)]
                if len(found) >= TASK_MIN_WORDS:
                    scores[row] = max(scores[row], sum(found) / total)
        return scores

    def _idf_of(self, term: str) -> float:
        return self._idf.get(term, 1.0)

    def _title_overlap(self, query: str, language: str) -> np.ndarray:
        """Per chunk, the share of its section title's terms that the query has."""
        asked = set(analyzer(language).analyze(query))
        return np.array([len(t & asked) / len(t) if t else 0.0 for t in self._title_terms])

    @staticmethod
    def _add_symptom_expansion(expansion: Expansion, symptom: SymptomMatch,
                               query_language: str | None) -> None:
        """The symptom's phrasings in the other languages join the lexical expansion, its
        first English phrasing the English paraphrase for the dense query."""
        for language, phrases in symptom.phrases.items():
            if language != query_language:
                expansion.terms.setdefault(language, []).extend(phrases)
        if query_language != "en" and symptom.english:
            expansion.english = " ".join(x for x in [expansion.english, *symptom.english] if x)
        expansion.matched.extend(f"symptom:{i}" for i in symptom.ids)

    def _collapse(self, fused: np.ndarray, k: int, preferred: str | None) -> list[Hit]:
        """One hit per section (all its language versions count as one), best first, shown in
        the preferred language when that version exists, else English, else the best one."""
        order = np.argsort(-fused, kind="stable")
        hits: list[Hit] = []
        done: set[tuple[str, str]] = set()
        chunks = self.index.chunks
        for row in order:
            if not np.isfinite(fused[row]) or len(hits) >= k:
                break
            chunk = chunks[row]
            key = (chunk.series, chunk.section_id)
            if key in done:
                continue
            done.add(key)
            shown = self._version(key, int(row), fused, preferred)
            hits.append(_hit(chunks[shown], float(fused[row])))
        return hits

    def _version(self, key: tuple[str, str], row: int, fused: np.ndarray,
                 preferred: str | None) -> int:
        rows = self._groups.get(key, [row])
        for language in (preferred, "en"):
            candidates = [r for r in rows if self._languages[r] == language]
            if candidates:
                return max(candidates, key=lambda r: (np.nan_to_num(fused[r], neginf=-1e9), -r))
        return row


def _task_clauses(chunk: Chunk, analysis: Any, idf: dict[str, float],
                  splitter: Decompounder | None = None
                  ) -> list[tuple[dict[str, float], float]]:
    """The work clauses of a maintenance-task section's chunk, as analysed terms (ids, numbers
    and asides in brackets left out; the verb of the work as its kind, `task_verbs`) with the
    idf of each and their total; none for other sections."""
    parts = chunk.section_id.split(".")
    if len(parts) < 3 or parts[-2] != TASK_SECTION:
        return []
    clauses = []
    actions = action_terms(analysis.language)
    for paragraph in chunk.text.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph or paragraph.startswith(("**", "|")):  # labelled fields, tables
            continue
        for clause in _CLAUSE.split(_ASIDE.sub(" ", paragraph)):
            weights: dict[str, float] = {}
            for word in analysis.analyze(clause, splitter):
                if not any(ch.isdigit() for ch in word):
                    key = actions.get(word, word)
                    weights[key] = max(weights.get(key, 0.0), idf.get(word, 1.0))
            if len(weights) >= TASK_MIN_WORDS:
                clauses.append((weights, sum(weights.values())))
    return clauses


def _work_terms(terms: Iterable[str], language: str) -> set[str]:
    """Terms with each verb (or noun) of maintenance work as its kind ("@replace")."""
    actions = action_terms(language)
    return {actions.get(t, t) for t in terms}


def _is_reference(section_id: str) -> bool:
    """An overview, table or schedule, or an error code's description ("hsc.code.E131"): what
    a "how do I" question ranks below the procedures and remedies."""
    parts = section_id.split(".")
    return parts[-1] in REFERENCE_SECTIONS or (len(parts) > 2 and parts[-2] == "code")


def _hit(chunk: Chunk, score: float) -> Hit:
    return Hit(text=chunk.text, score=score, document=chunk.document,
               section_id=chunk.section_id, section_title=chunk.section_title,
               language=chunk.language, family=chunk.family, models=list(chunk.models),
               topics=list(chunk.topics), page=chunk.page, source=chunk.source)

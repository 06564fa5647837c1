"""Hybrid retrieval: BM25 (segmented words + folded syllables) fused with FAISS dense search
by reciprocal rank; filters by document; and a lexical coverage measure used to refuse questions
the documents do not cover."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import numpy as np

from bot import vector_index
from bot.search_index import STOPWORDS, IndexFiles, lexical_tokens
from vntext import folded_syllables, has_diacritics

log = logging.getLogger(__name__)

# Words of the question itself, not of its topic (folded).
QUESTION_WORDS = set(
    """ai gi nao dau sao bao nhieu may khi luc nay the ra sao duoc bi phai can muon hoi xin
cho biet toi minh em anh chi ban a a oi nhe vay khong chua roi thi la nhung gom co nhu lam nhu the nao hay
giup nay hom ve ad admin nhi""".split()  # "ad", "admin": the asker addressing the assistant
)


# Reciprocal-rank fusion: a chunk's score is the sum over rankers of weight / (RRF_K + rank).
RRF_K = 20.0
# The dense ranker's weight for a question typed without diacritics (e5 reads such text poorly:
# measured in bench/relevance.py, folded questions).
UNACCENTED_DENSE_WEIGHT = 0.25
# The dense ranker's weight beside BM25's 1.0 (measured on the laws set in bench/: 1.0 → hit@3 0.904,
# 0.7 → 0.917, 0.5 → 0.904; lexical alone 0.909).
DENSE_WEIGHT = 0.7
# chunks an approximate dense index returns per question (an exact one scores them all)
APPROX_DENSE_K = 1000
# a search restricted to chunks (`allowed`) scores those the approximate search missed, up to this many
RESCORE_MAX = 20_000
# the dense and lexical scores of the most recent questions are kept (a question searches several times)
SCORE_CACHE_ENTRIES = 16


@dataclass
class Hit:
    chunk_id: int
    score: float  # fused score (higher is better)
    lexical: float  # raw BM25
    dense: float  # cosine similarity (0 when dense search is off)
    rank: int = 0


class Retriever:
    def __init__(self, index: IndexFiles, embedder=None):
        self.index = index
        self.embedder = embedder if index.faiss_index is not None else None
        self.chunk_ids = [int(x) for x in index.chunk_ids]
        self.pos = {cid: i for i, cid in enumerate(self.chunk_ids)}
        # an exact index scores every chunk; an approximate one (bot/vector_index.py) only the nearest found
        self.exact = index.faiss_index is None or vector_index.is_exact(index.faiss_index)
        self._score_cache: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dense_enabled(self) -> bool:
        return self.embedder is not None

    def _cached(self, key: tuple[str, str], compute) -> np.ndarray:
        """The scores of a recent question (one question searches several times: facts, evidence, passages);
        read only by the caller."""
        with self._lock:
            cached = self._score_cache.get(key)
        if cached is not None:
            return cached
        out = compute()
        with self._lock:
            self._score_cache[key] = out
            while len(self._score_cache) > SCORE_CACHE_ENTRIES:
                self._score_cache.pop(next(iter(self._score_cache)))
        return out

    def lexical_scores(self, query: str) -> np.ndarray:
        return self._cached(("lexical", query), lambda: self._lexical(query))

    def _lexical(self, query: str) -> np.ndarray:
        toks = lexical_tokens(query)
        if not toks:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self.index.bm25.get_scores(toks), dtype=np.float32)[: len(self.chunk_ids)]

    def dense_scores(self, query: str) -> np.ndarray:
        if not self.dense_enabled:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return self._cached(("dense", query), lambda: self._dense(query))

    def query_vector(self, query: str) -> np.ndarray:
        """The question's normalised vector, (1, dim)."""
        return self._cached(("vector", query), lambda: self.embedder.encode_queries([query]).astype(np.float32))

    def _dense(self, query: str) -> np.ndarray:
        """Cosine similarity of every chunk to the question: all of them from an exact index; from an approximate
        one, the APPROX_DENSE_K nearest found (the others 0, see `_rescored`)."""
        n = len(self.chunk_ids)
        sims, idx = self.index.faiss_index.search(self.query_vector(query), n if self.exact else min(n, APPROX_DENSE_K))
        found = idx[0] >= 0  # an approximate search may find fewer than asked
        out = np.zeros(n, dtype=np.float32)
        out[idx[0][found]] = sims[0][found]
        return out

    def _rescored(self, query: str, den: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """`den` with the candidates the approximate search did not return scored from their stored vectors
        (when they are at most RESCORE_MAX): a search within a few documents ranks all their chunks."""
        missing = cand[den[cand] == 0]
        if self.exact or not len(missing) or len(missing) > RESCORE_MAX:
            return den
        out = den.copy()
        out[missing] = vector_index.vectors_at(self.index.faiss_index, missing) @ self.query_vector(query)[0]
        return out

    def search(
        self, query: str, k: int = 8, allowed: set[int] | None = None, mode: str = "hybrid", expanded: str | None = None
    ) -> list[Hit]:
        """Top chunks; `allowed` restricts to chunk ids; mode: hybrid | lexical | dense."""
        n = len(self.chunk_ids)
        if n == 0:
            return []
        lq = query + (" " + expanded if expanded and expanded != query else "")
        lex = self.lexical_scores(lq) if mode in ("hybrid", "lexical") else np.zeros(n, np.float32)
        den = self.dense_scores(query) if mode in ("hybrid", "dense") else np.zeros(n, np.float32)
        if allowed is None:  # the whole library: ranked once per question (it searches several times)
            order, fused = self._cached(("fused", mode, lq, query), lambda: self._fused(query, mode, lex, den, None))
        else:
            cand = np.fromiter((self.pos[cid] for cid in allowed if cid in self.pos), dtype=np.int64)
            if len(cand) == 0:
                return []
            cand.sort()
            if mode in ("hybrid", "dense") and self.dense_enabled:
                den = self._rescored(query, den, cand)
            order, fused = self._fused(query, mode, lex, den, cand)
        return [
            Hit(self.chunk_ids[i], float(fused[i]), float(lex[i]), float(den[i]), r)
            for r, i in enumerate(order[:k])
            if fused[i] > 0
        ]

    def _fused(self, query: str, mode: str, lex: np.ndarray, den: np.ndarray, cand: np.ndarray | None):
        """(the candidates best first, the reciprocal-rank fusion of their lexical and dense ranks); None: all."""
        n = len(self.chunk_ids)
        cand = np.arange(n) if cand is None else cand
        fused = np.zeros(n, dtype=np.float64)
        # a question typed without diacritics is a different language to the embedding model
        dense_weight = DENSE_WEIGHT if has_diacritics(query) else UNACCENTED_DENSE_WEIGHT
        if mode in ("hybrid", "lexical"):
            fused += _rrf(lex, cand, 1.0, positive_only=True)
        if mode in ("hybrid", "dense") and self.dense_enabled:
            fused += _rrf(den, cand, dense_weight, positive_only=False)
        return cand[np.argsort(-fused[cand], kind="stable")], fused


def _rrf(scores: np.ndarray, cand: np.ndarray, weight: float, positive_only: bool) -> np.ndarray:
    """Reciprocal-rank contributions weight / (RRF_K + rank) of the candidates ranked by `scores`
    (ties keep index order); with positive_only, candidates scoring 0 contribute nothing."""
    order = cand[np.argsort(-scores[cand], kind="stable")]
    contrib = weight / (RRF_K + np.arange(len(order), dtype=np.float64))
    if positive_only:
        contrib[scores[order] <= 0] = 0.0
    out = np.zeros(len(scores), dtype=np.float64)
    out[order] = contrib
    return out


def content_terms(text: str) -> list[str]:
    return [
        s
        for s in folded_syllables(text)
        if s not in STOPWORDS and s not in QUESTION_WORDS and not re.fullmatch(r"\d{1,2}", s)
    ]


def coverage(question_terms: list[str], text: str) -> float:
    """Share of the question's topic words (and their adjacent pairs) found in `text`."""
    if not question_terms:
        return 0.0
    syl = folded_syllables(text)
    words = set(syl)
    pairs = {a + " " + b for a, b in zip(syl, syl[1:])}
    single = sum(1 for t in question_terms if t in words) / len(question_terms)
    qp = [a + " " + b for a, b in zip(question_terms, question_terms[1:])]
    if not qp:
        return single
    pair = sum(1 for p in qp if p in pairs) / len(qp)
    return 0.6 * single + 0.4 * pair

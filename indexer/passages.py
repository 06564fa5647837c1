"""Passage vectors encoded in a thread of their own while the build goes on (reading files, word segmentation).

Encoding the passages is most of a full build, and loading the model (its tokenizer, the onnxruntime session)
a good part of a build that changes one document. Both release the GIL for most of their time, so the thread
first loads the model (`load`, given by the build), then encodes what the build's main thread feeds it: each
document's indexed texts as soon as the document is read (`feed`). Meanwhile the main thread reads the next
files and segments words. `close` says nothing more will come; `wait` waits for the end and raises here
whatever the thread raised (an interrupted build keeps the batches it finished in the cache, as before).
Texts whose vectors are cached, or fed before, are not encoded again.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable


class PassageEncoder:
    """Loads the model with `load()` → (embedder, bot.search_index.EmbeddingCache) or (None, None) without one,
    then encodes fed texts into that cache in batches of `batch`, showing progress on `bar` (tqdm or None)."""

    def __init__(self, load: Callable[[], tuple], batch: int, bar=None):
        self.load, self.batch, self.bar = load, batch, bar
        self.embedder = None
        self.cache = None
        self.error: BaseException | None = None
        self.seconds = 0.0  # time spent encoding (not loading, not waiting for texts)
        self.encoded = 0
        self._loaded = threading.Event()
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._seen: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="hoctap-encode", daemon=True)
        self._thread.start()

    def model(self):
        """The embedder (None without a model), once loaded; what loading raised is raised here."""
        self._loaded.wait()
        if self.error is not None and self.embedder is None:
            raise self.error
        return self.embedder

    def feed(self, texts: list[str]) -> None:
        """Texts to encode."""
        if texts:
            self._queue.put(list(texts))

    def close(self) -> None:
        self._queue.put(None)

    def _todo(self, texts: list[str]) -> list[str]:
        out = []
        for t in texts:
            k = self.cache.key(t)
            if k not in self._seen and k not in self.cache.data:
                self._seen.add(k)
                out.append(t)
        if out and self.bar is not None:
            self.bar.total += len(out)
            self.bar.refresh()
        return out

    def _encode(self, texts: list[str]) -> None:
        t0 = time.perf_counter()
        self.cache.encode(self.embedder, texts, batch=self.batch, bar=self.bar)
        self.seconds += time.perf_counter() - t0
        self.encoded += len(texts)

    def _run(self) -> None:
        try:
            self.embedder, self.cache = self.load()
        except BaseException as e:  # noqa: BLE001 - handed to the main thread, which raises it
            self.error = e
        finally:
            self._loaded.set()
        pending: list[str] = []
        try:
            while not self._stop.is_set():
                item = self._queue.get()
                if item is None:
                    break
                if self.embedder is None:
                    continue  # no model: no vectors (the texts are only drained)
                pending += self._todo(item)
                while len(pending) >= self.batch and not self._stop.is_set():
                    self._encode(pending[: self.batch])
                    pending = pending[self.batch :]
            if pending and not self._stop.is_set():
                self._encode(pending)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread, which raises it in wait()
            self.error = e

    def wait(self) -> None:
        """Close, wait for the thread to finish; raise what it raised."""
        self.close()
        self._thread.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        """Stop after the batch under way (what was encoded stays cached)."""
        self._stop.set()
        self.close()
        self._thread.join()

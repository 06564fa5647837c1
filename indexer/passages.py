"""Passage vectors encoded in a thread of their own while the build goes on (reading files, word segmentation).

Encoding the passages is most of a full build. onnxruntime releases the GIL while it computes, so the build's
main thread feeds each document's indexed texts as soon as it has read the document (`feed`), and reads the
next one and segments words while the vectors are made; `close` says nothing more will come, `wait` waits for
the end and raises here whatever the thread raised (an interrupted build keeps the batches it finished in the
cache, as before). Texts whose vectors are cached are not encoded again.
"""

from __future__ import annotations

import queue
import threading
import time


class PassageEncoder:
    """Encodes fed texts in batches of `batch` into `cache` (bot.search_index.EmbeddingCache) with `embedder`."""

    def __init__(self, cache, embedder, batch: int, bar=None):
        self.cache, self.embedder, self.batch, self.bar = cache, embedder, batch, bar
        self.error: BaseException | None = None
        self.seconds = 0.0  # time spent encoding (not waiting for texts)
        self.encoded = 0
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._seen: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="hoctap-encode", daemon=True)
        self._thread.start()

    def feed(self, texts: list[str]) -> None:
        """Texts to encode (those cached, or fed before, are skipped)."""
        todo = []
        for t in texts:
            k = self.cache.key(t)
            if k not in self._seen and k not in self.cache.data:
                self._seen.add(k)
                todo.append(t)
        if todo:
            if self.bar is not None:
                self.bar.total += len(todo)
                self.bar.refresh()
            self._queue.put(todo)

    def close(self) -> None:
        self._queue.put(None)

    def _encode(self, texts: list[str]) -> None:
        t0 = time.perf_counter()
        self.cache.encode(self.embedder, texts, batch=self.batch, bar=self.bar)
        self.seconds += time.perf_counter() - t0
        self.encoded += len(texts)

    def _run(self) -> None:
        pending: list[str] = []
        try:
            while not self._stop.is_set():
                item = self._queue.get()
                if item is None:
                    break
                pending += item
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

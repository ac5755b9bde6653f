# Two commands: `make run` serves the chat, `make test` runs the suite.
# Both create .venv and install the project on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test index eval lint clean

run: index
	$(BIN)/python app.py

test: $(STAMP)
	$(BIN)/python -m pytest

index: $(STAMP)
	$(BIN)/python -m qa build

eval: $(STAMP)
	$(BIN)/python -m qa eval

lint: $(STAMP)
	$(BIN)/ruff check qa tests app.py

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) index/*.faiss index/*.jsonl index/*.npy index/manifest.json

# opsbook — the README's two commands: `make site` and `make test`.
# Needs only Python 3.11, git and make.  Everything else goes into .venv/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
OPSBOOK := $(BIN)/opsbook
AS_OF ?=
AS_OF_ARG := $(if $(AS_OF),--as-of $(AS_OF),)

.PHONY: help venv check site site-all serve publish pdf pack test test-fast bench lock clean

help:
	@echo "make site      建立 .venv，运行检查，构建站点到 site/"
	@echo "make test      运行全部测试"
	@echo "make check     合规检查（CI 门禁，有错误时失败）"
	@echo "make serve     本地预览站点 http://127.0.0.1:8000"
	@echo "make site-all  为每个敏感级别分别构建站点到 site-audiences/"
	@echo "make publish VERSION=2026.1 [AUDIENCE=public]  把当前提交发布为版本，写入 versions/<读者级别>/"
	@echo "make bench     性能基准"
	@echo "make pdf       把文档打印为 PDF 受控副本到 pdf/（需要 chromium 与 fonts-noto-cjk）"
	@echo "make pack REV=v2026.11  生成检查材料包到 pack/（需要 chromium 与 fonts-noto-cjk）"

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(VENV)/.installed

check: venv
	$(OPSBOOK) check $(AS_OF_ARG)

site: venv
	@$(OPSBOOK) check $(AS_OF_ARG) || echo "（存在错误级发现：站点照常构建，详见站点的“合规看板”）"
	$(OPSBOOK) build $(AS_OF_ARG) --site-dir site

site-all: venv
	for level in public internal restricted confidential; do \
	  $(OPSBOOK) build $(AS_OF_ARG) --max-sensitivity $$level --site-dir site-audiences/$$level || exit 1; \
	done

serve: venv
	$(OPSBOOK) serve $(AS_OF_ARG)

# Versions directory per audience; `make clean` never removes it (published versions are kept).
AUDIENCE ?= internal
PUBLISH_DIR ?= versions
publish: venv
	@test -n "$(VERSION)" || { echo "用法：make publish VERSION=2026.1 [AUDIENCE=public]"; exit 2; }
	$(OPSBOOK) publish "$(VERSION)" --max-sensitivity $(AUDIENCE) --dest $(PUBLISH_DIR)/$(AUDIENCE) $(AS_OF_ARG)

pdf: venv
	$(OPSBOOK) pdf $(AS_OF_ARG) --max-sensitivity restricted -o pdf

REV ?= HEAD
pack: venv
	$(OPSBOOK) pack --rev $(REV) $(AS_OF_ARG) -o pack

# One worker per core (pytest-xdist); each test file stays in one worker, so module fixtures are made once.
# Every worker and every opsbook process a test starts imports opsbook and the test modules: Python keeps their
# compiled form (__pycache__/, ignored by git) even where the environment sets PYTHONDONTWRITEBYTECODE.
test test-fast: export PYTHONDONTWRITEBYTECODE =
test: venv
	$(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

test-fast: venv
	$(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder -m "not browser and not site"

bench: venv
	$(BIN)/python benchmarks/run.py

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^opsbook' > requirements.lock.new
	@(echo '# Every package opsbook installs, pinned.  Regenerate with: make lock'; cat requirements.lock.new) > requirements.lock
	@rm requirements.lock.new

clean:
	rm -rf $(VENV) site site-audiences pdf pack .pytest_cache

# 群众路线知识库 — every command an editor, operator or CI needs. Run from the project root.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
KB := $(BIN)/kb
export NO_MKDOCS_2_WARNING := 1
export PYTHONUTF8 := 1

.PHONY: hooks copy fix-citations serve build check audit schemas test test-fast bench debian-tools lock clean publish rollback verify nginx offline pdf

## make serve: preview at http://127.0.0.1:8000, reloading on changes to docs/, data/ and the code
serve: $(VENV)/.site
	$(KB) serve

## make build: all checks, then a strict build into site/ (swapped in only when complete);
## with Debian's fonts-noto-cjk present it also writes the handbook PDF (site/downloads/handbook.pdf)
build: $(VENV)/.site
	$(KB) build

## make pdf [OUT=dist/学习手册.pdf]: the study handbook as PDF (WeasyPrint, Debian's fonts-noto-cjk)
pdf: $(VENV)/.site
	@$(MAKE) --no-print-directory debian-tools DEBIAN_TOOLS="$(PDF_TOOLS)"
	$(KB) pdf $(OUT)

## make check: content, page and schema checks; lists every problem, exits 1 on any
check: $(VENV)/.site
	$(KB) check

## make copy: Chinese copy rules only (punctuation, spacing, pairs, names); quotes and sources are never checked
copy: $(VENV)/.site
	$(KB) copy

## make fix-citations: after a source text was corrected, move each quote's para: to where the quote now is
fix-citations: $(VENV)/.site
	$(KB) fix-citations

## make hooks: check every commit in this clone before it is made (kb check, kb copy, yamllint)
hooks: $(VENV)/.dev
	$(BIN)/pre-commit install

## make audit: coverage audit for editors (dist/audit.md): uncovered passages, unreviewed clauses, near-duplicates
audit: $(VENV)/.site
	$(KB) audit

## make schemas: regenerate data/schemas/*.json from the models
schemas: $(VENV)/.site
	$(KB) schemas

## make publish DEST=/srv/kb [URL=http://host/kb/ | BASE=/kb/]: checks, strict build, verified release,
## atomic switch of DEST/current. URL (the readers' address) turns on instant navigation.
publish: $(VENV)/.site
	@test -n "$(DEST)" || { echo "用法：make publish DEST=/发布目录 [URL=http://内网主机/kb/ 或 BASE=/kb/]"; exit 2; }
	@$(MAKE) --no-print-directory debian-tools DEBIAN_TOOLS="$(PDF_TOOLS)"  # a release always carries the handbook PDF
	$(KB) publish "$(DEST)" $(if $(URL),--url "$(URL)",--base "$(or $(BASE),/)")

## make rollback DEST=/srv/kb: switch DEST/current back to the previous release
rollback: $(VENV)/.site
	@test -n "$(DEST)" || { echo "用法：make rollback DEST=/发布目录"; exit 2; }
	$(KB) rollback "$(DEST)"

## make nginx DEST=/srv/kb [BASE=/kb/] [LISTEN=80] [ALLOW="10.0.0.0/8 …"]: print an nginx server block for DEST/current;
## readers outside deploy/nginx/allowed-networks.conf (or ALLOW) get 403
nginx: $(VENV)/.site
	@test -n "$(DEST)" || { echo "用法：make nginx DEST=/发布目录 [BASE=/kb/] [LISTEN=80] [ALLOW=\"网段 …\"]"; exit 2; }
	@$(KB) nginx --root "$(DEST)/current" --base "$(or $(BASE),/)" --listen "$(or $(LISTEN),80)" $(if $(ALLOW),--allow "$(ALLOW)")

## make offline: a zip (dist/kb-offline-*.zip) that works opened from disk, search included
offline: $(VENV)/.site
	$(KB) offline

## make test: installs what it needs (Python packages, Debian's chromium and nginx) and runs the whole suite
test: $(VENV)/.dev debian-tools
	$(BIN)/python -m pytest

## make test-fast: the suite without the browser tests
test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -m "not browser"

## make bench: build, overhead, scale, preview, page-weight and search figures; prints a table, writes bench/results.json
bench: $(VENV)/.dev
	@$(MAKE) --no-print-directory debian-tools DEBIAN_TOOLS="$(DEBIAN_TOOLS) /usr/bin/wrk:wrk"
	$(KB) bench

# Debian packages the tests drive: Chromium (browser tests) and nginx (the real web server).
# policy-rc.d keeps the package from starting a system-wide nginx: tests start their own on 127.0.0.1.
# The handbook PDF needs the Noto CJK fonts and Pango (WeasyPrint); its tests read it with poppler-utils.
PDF_TOOLS := /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc:fonts-noto-cjk /usr/bin/fc-list:fontconfig \
  /usr/share/doc/libpango-1.0-0:libpango-1.0-0 /usr/share/doc/libpangoft2-1.0-0:libpangoft2-1.0-0
DEBIAN_TOOLS := /usr/bin/chromium:chromium /usr/sbin/nginx:nginx /usr/bin/pdftotext:poppler-utils $(PDF_TOOLS)
debian-tools:
	@missing=""; for t in $(DEBIAN_TOOLS); do [ -e "$${t%%:*}" ] || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "安装 Debian 软件包：$$missing"; \
	    guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; rc=$$?; \
	    [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; [ $$rc = 0 ] || exit $$rc; \
	  else echo "测试需要 Debian 软件包：$$missing。请以 root 运行，或 sudo apt-get install$$missing"; exit 1; fi; \
	fi

# The venv: pinned dependencies, then the project's own package `kb` (scripts/kb/) in editable mode.
$(VENV)/.site: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.site
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## make lock: re-pin requirements*.txt from requirements*.in in a scratch environment
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q -r requirements.in
	{ echo "# Pinned by 'make lock' from requirements.in: the site build's complete dependency set."; \
	  .lock-venv/bin/pip freeze | sort; } > requirements.txt
	.lock-venv/bin/pip install -q -r requirements-dev.in
	{ echo "# Pinned by 'make lock' from requirements-dev.in: test tools, on top of requirements.txt."; \
	  echo "-r requirements.txt"; comm -13 <(grep -v '^#' requirements.txt) <(.lock-venv/bin/pip freeze | sort); } > requirements-dev.txt
	rm -rf .lock-venv

clean:
	rm -rf site dist .site-build-* .pytest_cache

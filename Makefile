# The two commands of the README: `make run` (the embedded platform) and `make test` (the whole
# suite against PostgreSQL and Redis). Everything they need is installed by the targets below.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
HASH   := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(HASH)
DEV_STAMP     := $(VENV)/.dev-$(HASH)

.PHONY: run test install install-dev lint typecheck migrations-check pytest messages bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install python3.11 and python3.11-venv (Debian/Ubuntu), or run 'make PYTHON=/path/to/python3.11 ...'."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Creating the virtual environment failed: install python3.11-venv."; exit 1; }
	$(PY) -m pip install --quiet --upgrade "pip>=24"

# The embedded platform gets the light vision stack (dlib, LiteRT, onnxruntime, about 600 MB) so the demo
# runs real identity checks, and aiortc for the media process; tests get all of it (with Ultralytics and torch, about 5 GB).
# face_recognition comes without its dependencies: its dlib requirement would build dlib from
# source, and dlib-bin already provides the module (so `pip check` names dlib: expected).
# silero-vad likewise: it requires torch, which the ONNX model it ships (vision.vad) never uses.
# mediapipe too: only its BlazeFace weights are read (vision.blazeface, run by LiteRT); its own
# requirements (numpy<2, opencv-contrib, jax) are neither needed nor compatible.
$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[vision-core,media]"
	$(PY) -m pip install --quiet --no-deps "face_recognition==1.3.0" "silero-vad==6.2.3" "mediapipe==0.10.21"
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,vision,media]"
	$(PY) -m pip install --quiet --no-deps "face_recognition==1.3.0" "mediapipe==0.10.21"
	touch $@ $(RUNTIME_STAMP)

# The front-end checks (ESLint) and the browser tests' accessibility check (axe-core, tests/axe.py)
# come from the npm registry at the versions of package-lock.json.
NODE_STAMP := node_modules/.ci-stamp
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end checks: install Node.js 20 or newer with npm."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP) $(NODE_STAMP)

## Run the platform on this machine: SQLite, in-memory channel layer, file broker.
run: install
	bin/run-embedded

## Run every check CI runs, against the real PostgreSQL and Redis.
test: install-dev
	bin/install-system-packages
	bin/ensure-services
	$(MAKE) --no-print-directory lint typecheck migrations-check pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	npx --no-install eslint static/js

typecheck:
	$(VENV)/bin/mypy .

migrations-check:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest:
	bin/in-loopback-netns $(VENV)/bin/pytest $(PYTEST_ARGS)

## Recompile the translations after editing locale/*/LC_MESSAGES/django.po.
messages:
	$(PY) manage.py compilemessages --ignore=.venv

## List the benchmark, drill and evaluation commands (the bench package; docs/performance.md and
## docs/ai-evaluation.md say how to run each).
bench: install-dev
	@$(PY) manage.py help --commands | grep -E '^(bench_|drill_|evaluate_)'

clean:
	rm -rf $(VENV) var

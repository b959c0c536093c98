# The project as a container: the wheel and configuration `kedro package` builds, run as a Kedro
# project. Every `kedro run` inside is an MLflow run too (mlflow.db under /project).
#
#   .venv/bin/kedro package                  # dist/handwriting-0.1.0-py3-none-any.whl, conf tarball
#   docker build -t handwriting .
#   docker run --rm -v "$PWD/../shared:/data:ro" -v "$PWD/container-data:/project/data" \
#     -e HANDWRITING_EMNIST_DIR=/data/emnist \
#     -e HANDWRITING_UNIPEN_FILE=/data/strokes/unipen_chars.jsonl.gz handwriting
#
# The default command is the quick run; anything after the image name replaces it, e.g.
# `... handwriting --pipeline ingestion` (the full run: no arguments is not it, pass `--env local`).
# BASE: any image with Python 3.11 as python3 and its venv module (Debian's needs python3-venv).
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV KEDRO_DISABLE_TELEMETRY=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=1 PATH=/opt/venv/bin:$PATH

# The wheel with its pinned dependencies; tf-keras and tensorflowjs without theirs, as
# scripts/setup.sh installs them (theirs would pull a second, full TensorFlow).
COPY dist/handwriting-0.1.0-py3-none-any.whl /tmp/
RUN python3 -m venv /opt/venv \
 && pip install /tmp/handwriting-0.1.0-py3-none-any.whl \
 && pip install --no-deps tf-keras==2.21.0 tensorflowjs==4.22.0 \
 && rm /tmp/handwriting-0.1.0-py3-none-any.whl

# The configuration travels beside the wheel (conf/local stays out of it). /project holds no
# pyproject.toml, so Kedro runs the installed package with /project as its project folder.
WORKDIR /project
ADD dist/conf-handwriting.tar.gz /project/
RUN useradd --create-home --uid 10001 kedro && mkdir -p /project/data && chown -R kedro /project
USER kedro

ENTRYPOINT ["python", "-m", "handwriting", "--conf-source", "/project/conf"]
CMD ["--env", "quick"]

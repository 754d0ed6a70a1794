# nnviz for a class: N Streamlit processes behind HAProxy (scripts/serve_class.sh), on port 8501.
#   docker build -t nnviz .
#   docker run --rm -p 8501:8501 -e NNVIZ_PROCESSES=2 nnviz      # then open http://<host>:8501
# One process serves a class of ~30; add one per further ~30 students (docs/notes/class-server.md).
FROM python:3.11-slim

# Debian's HAProxy; no recommends, no apt lists left in the image.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements.txt
COPY . .

RUN useradd --create-home --uid 10001 nnviz
USER nnviz

# Use the image's Python (requirements installed above) instead of creating .venv; listen on all
# interfaces inside the container (the -p mapping decides who can reach it).
ENV NNVIZ_PYTHON=python \
    NNVIZ_BIND=0.0.0.0 \
    NNVIZ_PROCESSES=2 \
    PYTHONDONTWRITEBYTECODE=1
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# bash is PID 1 and traps SIGTERM (docker stop) and SIGINT: it stops HAProxy and every Streamlit process.
CMD ["sh", "-c", "exec bash scripts/serve_class.sh \"${NNVIZ_PROCESSES:-2}\" 8501"]

# Production image: the app on PostgreSQL or the embedded SQLite, with the fonts certificates need.
# It runs as the unprivileged user "cpd" (uid 10001), never root. Deploying a new version:
#   1. python -m cpd migrate   (once, before the new replicas start: `docker compose run --rm migrate`)
#   2. start or roll the replicas (each also checks the schema on start; the migration lock lets one go first)
# See README "Deploying" and compose.yaml.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 cpd \
 && useradd --system --uid 10001 --gid cpd --home-dir /app --shell /usr/sbin/nologin cpd \
 && mkdir -p /data && chown cpd:cpd /data && chmod 0700 /data
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY cpd ./cpd
RUN pip install --no-cache-dir -c constraints.txt .
COPY app.py ./
COPY .streamlit ./.streamlit
COPY modules ./modules
COPY questions ./questions
COPY certificates ./certificates
ENV CPD_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8501
USER cpd:cpd
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["sh", "-c", "python -m cpd validate && exec streamlit run app.py --server.port 8501 --server.address 0.0.0.0 --server.headless true"]

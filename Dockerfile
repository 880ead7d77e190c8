# Production image: the app on PostgreSQL or the embedded SQLite, with the fonts certificates need.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY cpd ./cpd
RUN pip install --no-cache-dir -c constraints.txt .
COPY app.py ./
COPY .streamlit ./.streamlit
COPY modules ./modules
COPY questions ./questions
COPY certificates ./certificates
ENV CPD_DATA_DIR=/data
VOLUME /data
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["sh", "-c", "python -m cpd validate && streamlit run app.py --server.port 8501 --server.address 0.0.0.0"]

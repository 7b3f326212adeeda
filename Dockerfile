# The application image for hosts with a registry (web, worker, beat share it).
# Sandbox images are separate: sandbox/images/ and `make sandbox-image`.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_PRODUCTION=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext fonts-wqy-zenhei postgresql-client && rm -rf /var/lib/apt/lists/*
COPY constraints.txt pyproject.toml ./
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install --no-cache-dir -r constraints.txt
COPY . .
RUN DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput
RUN useradd --system --uid 10001 app && mkdir -p /var/lib/cert-engine && chown app /var/lib/cert-engine
USER app
EXPOSE 8000
# config/serve.py: granian with WEB_WORKERS processes (3) of WEB_THREADS threads (16).
CMD ["python", "-m", "config.serve", "--host", "0.0.0.0", "--port", "8000"]

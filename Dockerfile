# Production image: gunicorn serves the web app; the same image runs Celery.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# postgresql-client-15: pg_dump and pg_restore for `manage.py backup` and
# `restore`, of the same major version as the db service's postgres:15.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=false SECRET_KEY=build-only-collectstatic python manage.py collectstatic --no-input -v 0
RUN useradd --system rollcall && mkdir -p /app/var/private /app/var/backups && chown -R rollcall /app/var
USER rollcall
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# The portal image: web (gunicorn, the default command), worker and beat
# (Celery, see docker-compose.yml) all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (Pango, HarfBuzz) and a font for the PDFs;
# gettext compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic and compilemessages import the settings, which want a
# SECRET_KEY with DEBUG off; this one exists only during the build.
ARG BUILD_SECRET_KEY=build-only-secret-key-not-used-at-runtime-0123456789abcdef
RUN SECRET_KEY="$BUILD_SECRET_KEY" python manage.py collectstatic --no-input -v 0 \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
        SECRET_KEY="$BUILD_SECRET_KEY" python manage.py compilemessages -v 0; fi \
    && rm -rf var

RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin mpp \
    && mkdir -p /app/media /app/var \
    && chown -R mpp:mpp /app/media /app/var
USER mpp

EXPOSE 8000
# gunicorn.conf.py: timeout, workers (WEB_CONCURRENCY, overridable in .env),
# and the access log without secrets or full client addresses
# (mpp_portal/accesslog.py).
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "mpp_portal.wsgi", "--config=gunicorn.conf.py", "--bind=0.0.0.0:8000"]

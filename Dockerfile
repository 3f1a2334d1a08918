# The app image: gunicorn serving Django, static files by whitenoise. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Fonts for the PNG download of a diagram (drawn on the server by resvg).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
RUN pip install .
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app trilha
USER trilha

EXPOSE 8000
# Alone, each start brings the schema and the shipped tracks up to date, queues the diagrams and
# serves; docker-compose.yml runs those steps once in `migrate` and draws in `worker`
# (`render_diagrams --worker`). Serving pages never draws, nor waits for PlantUML.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py createcachetable && python manage.py import_track tracks/content && python manage.py render_diagrams --enqueue && exec gunicorn config.wsgi --bind 0.0.0.0:8000 --access-logfile - --no-control-socket"]

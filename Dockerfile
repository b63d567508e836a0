# Multi-stage: node fetches the pinned GOV.UK Frontend assets; python-slim runs gunicorn as non-root.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 INDUCTION_CONSOLE_ENV=production PORT=5000
WORKDIR /srv/induction-console
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY app ./app
# Editable, so app/ finds templates/ and static/ beside it.
RUN pip install --no-cache-dir -e .
COPY templates ./templates
COPY static ./static
COPY --from=assets /build/node_modules/govuk-frontend/dist/govuk ./static/govuk
RUN useradd --system --uid 10001 --home /srv/induction-console console \
    && mkdir -p instance && chown console instance
USER console
EXPOSE 5000
# DATABASE_URL, SECRET_KEY, TRS_API_BASE_URL, TRS_API_KEY and POLICY_API_KEYS come from the environment.
# gunicorn.conf.py: 2 processes of 4 threads on $PORT, JSON logs, metrics shared between processes.
CMD ["gunicorn", "app:create_app()"]

# Multi-stage: node fetches the pinned GOV.UK Frontend assets; python-slim runs gunicorn as non-root.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 INDUCTION_CONSOLE_ENV=production
WORKDIR /srv/induction-console
COPY pyproject.toml README.md ./
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
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-", "app:create_app()"]

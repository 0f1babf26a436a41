# stagegate's worker and web server, one image for both: docker build -t stagegate .
# `docker run stagegate` runs a worker; `docker run stagegate web` the web server (see docker-compose.yml).
# Node pinned to the release the project is built and tested with; bump both stages together.

FROM node:20.20.2-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile (npm ci refuses one out of step with package.json). Scripts off: `prepare`
# would compile before the sources are here, and better-sqlite3 is compiled on its own below.
RUN npm ci --ignore-scripts
# better-sqlite3 compiled from source here (the full image has python3, make and g++), never in the runtime stage.
RUN npm rebuild better-sqlite3 --build-from-source
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Production dependencies (better-sqlite3 already compiled), the compiled code and the shipped
# processes and people directory; no sources, no compiler, no dev dependencies.
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/config/processes ./config/processes
COPY --from=build --chown=root:root /app/config/people.yaml ./config/people.yaml
# The data folder is the one place the process writes (the SQLite events store when no DATABASE_URL is set).
RUN mkdir -p /app/.stagegate && chown node:node /app/.stagegate
USER node
# The worker's health (its metrics listener, STAGEGATE_METRICS_PORT); the web's is set in docker-compose.yml.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node dist/worker/healthcheck.js "http://127.0.0.1:${STAGEGATE_METRICS_PORT:-9464}/healthz"
ENTRYPOINT ["node", "dist/client/cli/main.js"]
CMD ["worker"]

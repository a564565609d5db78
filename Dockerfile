# syntax=docker/dockerfile:1
# plugin-graph's production image (docs/deploy.md). The build stage installs every dependency,
# compiles better-sqlite3 and the TypeScript (`npm run build`), then prunes the dev dependencies;
# the runtime stage receives package.json, those production node_modules and dist/ only: no tsx,
# no TypeScript, no compiler. test/deploy/ checks this file's promises without a container engine.

ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 fetches a prebuilt addon when it can, and compiles it from source when it cannot.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# prune, not a second `npm ci --omit=dev`: it keeps the addon compiled above.
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# HOST defaults to 127.0.0.1, which nothing outside the container reaches.
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4000 \
  PLUGIN_GRAPH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The SQLite task store and audit trail (unused when REDIS_URL is set); owned by the user below.
RUN mkdir /data && chown 1000:1000 /data
VOLUME /data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1, not npm: SIGTERM reaches the server, which drains (docs/operations.md).
CMD ["node", "--min-semi-space-size=16", "dist/server.js"]

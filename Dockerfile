# syntax=docker/dockerfile:1
# chatsoar: one image for both roles (docs/deploy.md). The role is the argument:
#   docker run … chatsoar bot        (HTTP: Slack, Teams, probes, /metrics)
#   docker run … chatsoar worker     (actions, outbox, connectors and jobs; probes and /metrics on PORT)
# It runs `node dist/bot/main.js <role>`, the command `npm run start:bot|start:worker` runs.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: every dependency (tsc), then the product compiled to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# re2 is a native module: its prebuilt binary is downloaded, or it is compiled with these.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.js scripts/copy-assets.js
COPY bot bot
COPY cards cards
COPY config config
COPY emulator emulator
COPY handlers handlers
COPY lib lib
COPY queue queue
COPY store store
RUN ./node_modules/.bin/tsc -p tsconfig.build.json && node scripts/copy-assets.js

# 2. Production dependencies only (npm ci --omit=dev), built where the compilers are.
FROM build AS deps
RUN rm -rf node_modules && npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: Node, the production dependencies and dist/; no compiler, no dev dependency, not root.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV PORT=3978 FILES_DIR=/data/files
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
# FILES_DIR (a volume shared by every bot and worker) and ./.data belong to the unprivileged user.
RUN mkdir -p /data/files /app/.data && chown -R node:node /data /app/.data
USER node
EXPOSE 3978
# /readyz: 200 once Redis answers and CONFIG_FILE is applied; 503 while starting or draining (contract.md §3).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--no-deprecation", "dist/bot/main.js"]
CMD ["bot"]

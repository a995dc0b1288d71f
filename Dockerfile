# Herald in one container. The compiled single binary comes in a later
# step; this image runs the TypeScript sources with the pinned Bun that
# npm installs, as a user that is not root, with its data on a volume.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml drizzle.config.ts ./
COPY src ./src
COPY sandbox ./sandbox

FROM node:20-bookworm-slim
WORKDIR /app
RUN useradd --system --uid 10001 --home /app herald && mkdir /data && chown herald /data
COPY --from=build --chown=herald /app /app
ENV HERALD_DATA_DIR=/data HERALD_PORT=3000 NODE_ENV=production
USER herald
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD ["/app/node_modules/.bin/bun", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["/app/node_modules/.bin/bun", "src/main.ts"]

# Container image of blockwatch: compiled with dev dependencies, run with production ones as a non-root user,
# on the Node.js major the test suite runs on (20).
# Build: docker build -t blockwatch .   Run: see docs/deployment.md

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so a source change does not re-run npm ci.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# Inside its own network the container listens on every address (a host install: loopback only);
# compose or `docker run -p` decides what is published. A config's server.listen still wins.
ENV NODE_ENV=production \
    BLOCKWATCH_CONFIG=/etc/blockwatch/blockwatch.yaml \
    BLOCKWATCH_LISTEN=0.0.0.0:9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY probes ./probes
COPY config ./config
# /data holds evidence; the daemon writes there as the image's unprivileged user (uid 1000), and so it
# can where the shipped config/blockwatch.yaml keeps it (/app/data): it refuses to start otherwise.
RUN mkdir -p /etc/blockwatch /data /app/data && chown node:node /data /app/data
USER node
EXPOSE 9464
VOLUME ["/etc/blockwatch", "/data"]
# Probes use ordinary sockets: no extra capabilities. No curl in the image, so node checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["run"]

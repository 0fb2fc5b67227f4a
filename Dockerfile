# provisio's container image: `provisio serve` (and `provisio worker`) on Node.js, as a non-root user.
# docs/operations.md "Container image" says how to build it, also where no image registry is reachable
# (a local base image: scripts/base-image.sh), and how to run it.
#
# No `# syntax=` line: the builder's own Dockerfile frontend is used, so nothing is pulled for it.
# `RUN --mount=type=secret` needs BuildKit (DOCKER_BUILDKIT=1 or docker buildx).

# The Node.js base image (Debian bookworm, Node.js >= 20.19, with npm). Both stages use it, so the
# native module (better-sqlite3) is compiled for the libc it runs on.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# better-sqlite3 compiles itself when its prebuilt binary cannot be downloaded: it needs python3, make
# and g++ then (bookworm's, from the image's apt sources), and Node.js's headers, which node-gyp finds
# through npm_config_nodedir below rather than downloading them.
RUN if ! command -v python3 >/dev/null || ! command -v make >/dev/null || ! command -v g++ >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# The manifests first, so that the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY packages/expressions/package.json packages/expressions/
COPY packages/emulators/package.json packages/emulators/
COPY packages/engine/package.json packages/engine/
COPY packages/entra/package.json packages/entra/
COPY packages/zendesk/package.json packages/zendesk/
COPY packages/server/package.json packages/server/
COPY packages/console/package.json packages/console/
COPY packages/cli/package.json packages/cli/
# `npm install` follows the lock file (not `npm ci`, which refuses a lock file that lacks other
# platforms' optional packages: see .ci/run). `--ignore-scripts` keeps the root `prepare` (the build)
# for later; `npm rebuild` then runs the dependencies' own install scripts (better-sqlite3's build).
# The `ca` secret, when given, is the CA bundle npm trusts for this step only (a TLS-inspecting proxy
# between the builder and the registry): it is mounted, never stored in a layer. HTTP_PROXY,
# HTTPS_PROXY and NO_PROXY are Docker's predefined build arguments, passed through with --build-arg.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    if [ -s /run/secrets/ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/ca; fi \
    && export npm_config_nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" \
    && npm install --no-audit --no-fund --ignore-scripts \
    && npm rebuild --no-audit --no-fund \
    && npm cache clean --force
COPY . .
# Compile (tsc -b and the console's Vite build), drop the development dependencies, and lay out what
# the runtime needs in /out: manifests, dist/ of every package, production node_modules.
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && mkdir -p /out/packages \
    && cp -a package.json package-lock.json node_modules /out/ \
    && for dir in packages/*; do \
         mkdir -p "/out/$dir" \
         && cp -a "$dir/package.json" "$dir/dist" "/out/$dir/" \
         && if [ -d "$dir/node_modules" ]; then cp -a "$dir/node_modules" "/out/$dir/"; fi \
         && if [ -d "$dir/bin" ]; then cp -a "$dir/bin" "/out/$dir/"; fi; \
       done

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A system user of its own; the code stays root-owned (read-only for it), only /app/data is its own:
# the SQLite state store and the key file when DATABASE_URL and PROVISIO_SECRET_KEY are not set.
RUN groupadd --system --gid 10001 provisio \
    && useradd --system --uid 10001 --gid provisio --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin provisio \
    && mkdir -p /app/data \
    && chown provisio:provisio /app/data
COPY --from=build /out/ /app/
# Fails the build if the native module does not load on this base (wrong libc or Node.js ABI).
RUN node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8080
# /readyz: 200 when the state store answers and its migrations are applied (docs/operations.md). The
# port follows --port through PROVISIO_HEALTHCHECK_PORT when the command changes it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PROVISIO_HEALTHCHECK_PORT || 8080}/readyz`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "packages/cli/dist/main.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]

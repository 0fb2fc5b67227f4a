#!/usr/bin/env bash
# Builds a local Node.js base image for the provisio Dockerfile where no image registry is reachable
# (see docs/operations.md "Container image"): a Debian bookworm minbase root made with debootstrap from
# Debian's package mirror, plus this machine's own Node.js (binary, headers and npm), imported with
# `docker import`. Pass the result as `docker build --build-arg NODE_IMAGE=<tag>`.
#
# Usage: scripts/base-image.sh [tag]            (default tag: provisio-base:local)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DOCKER (default docker).
# Needs root (debootstrap), debootstrap and a running Docker engine.
set -euo pipefail

TAG="${1:-provisio-base:local}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKER="${DOCKER:-docker}"

node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" -p 'process.versions.node')"
# package.json "engines": node >= 20.19.
if ! "$node_bin" -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  process.exit(maj > 20 || (maj === 20 && min >= 19) ? 0 : 1);'; then
  echo "base-image: this machine's Node.js is $node_version; provisio needs >= 20.19" >&2
  exit 1
fi
# The installation prefix: /usr for Debian/NodeSource packages, /usr/local (or another directory) for a
# standalone install. Its bin/node, include/node (headers, so that node-gyp builds better-sqlite3
# without downloading them) and lib/node_modules/npm go into the image under the same prefix.
prefix="$(dirname "$(dirname "$node_bin")")"
for need in "$prefix/include/node/node_api.h" "$prefix/lib/node_modules/npm/bin/npm-cli.js"; do
  if [ ! -f "$need" ]; then
    echo "base-image: $need is missing; the image needs Node.js's headers and npm next to $node_bin" >&2
    exit 1
  fi
done

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "base-image: debootstrap is missing (apt-get install debootstrap)" >&2
  exit 1
fi

work="$(mktemp -d /var/tmp/provisio-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "base-image: debootstrap --variant=minbase bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

echo "base-image: adding Node.js $node_version and npm $(npm --version) from $prefix"
mkdir -p "$root$prefix/bin" "$root$prefix/include" "$root$prefix/lib/node_modules"
cp -a "$node_bin" "$root$prefix/bin/node"
cp -a "$prefix/include/node" "$root$prefix/include/"
cp -a "$prefix/lib/node_modules/npm" "$root$prefix/lib/node_modules/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root$prefix/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root$prefix/bin/npx"

# Smaller image: apt lists and caches, documentation and locales are not needed at run time.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
# The image must run the node it was given.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" "$prefix/bin/node" -e 'process.exit(0)'

echo "base-image: importing as $TAG"
tar --numeric-owner -C "$root" -c . | "$DOCKER" import \
  --change "ENV PATH=$prefix/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["node"]' \
  --message "Debian bookworm minbase with Node.js $node_version" \
  - "$TAG" >/dev/null
"$DOCKER" run --rm "$TAG" node -e 'console.log(`base-image: ${process.version} runs in the image`)'

#!/usr/bin/env bash
# The installable package, end to end (README.md#install): packs the tarball (scripts/pack.mjs), installs
# it with `npm install -g` into a temporary prefix (nothing global on the machine changes), and runs the
# installed command outside the repository: --help, init, demo --help, and serve (on a free loopback
# port: /readyz, the console at /, a local sign-in whose session cookie is then accepted), then stops it.
#
# Usage: bash scripts/ci-pack.sh [--no-build]   (--no-build: pack the existing build, packages/*/dist)
# Needs the npm registry (the package's dependencies are installed from it). better-sqlite3 builds from
# source when its prebuilt binary cannot be downloaded, which takes a few minutes on two cores.
# Ends with a line "ci-pack: N passed, 0 failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/provisio-ci-pack.XXXXXX")
serve_pid=
passed=0

cleanup() {
  if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "ci-pack: FAILED: $*" >&2
  echo "ci-pack: $passed passed, 1 failed"
  exit 1
}
pass() {
  passed=$((passed + 1))
  echo "ci-pack: ok - $*"
}

# 1. The tarball.
tarball=$(node "$repo/scripts/pack.mjs" --out "$tmp/out" "$@" | tail -n 1)
[[ -f $tarball ]] || fail "scripts/pack.mjs wrote no tarball"
pass "packed $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"

# 2. A global install into a prefix of its own, from a directory outside the repository. npm 11 asks
# that install scripts be allowed by name (better-sqlite3 builds or downloads its native binding).
prefix="$tmp/prefix"
work="$tmp/work"
mkdir -p "$prefix" "$work"
# Where better-sqlite3's prebuilt binary cannot be downloaded it compiles from source (minutes on two
# cores). The clone's `npm install` already built one for this Node.js: offer it as a local prebuild,
# which prebuild-install takes instead of downloading (its `<package>_local_prebuilds` setting,
# https://github.com/prebuild/prebuild-install#local-prebuilds). Another version falls back to compiling.
sqlite_dir="$repo/node_modules/better-sqlite3"
if [[ -f $sqlite_dir/build/Release/better_sqlite3.node ]]; then
  sqlite_version=$(node -p "require('$sqlite_dir/package.json').version")
  abi=$(node -p 'process.versions.modules')
  prebuilds="$tmp/prebuilds"
  mkdir -p "$prebuilds"
  tar -czf "$prebuilds/better-sqlite3-v$sqlite_version-node-v$abi-$(node -p 'process.platform')-$(node -p 'process.arch').tar.gz" \
    -C "$sqlite_dir" build/Release/better_sqlite3.node
  export npm_config_better_sqlite3_local_prebuilds="$prebuilds"
fi
cd "$work"
allow=()
if [[ $(npm --version | cut -d. -f1) -ge 11 ]]; then allow=(--allow-scripts=better-sqlite3); fi
if ! npm install -g --prefix "$prefix" "${allow[@]}" --no-audit --no-fund "$tarball" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  fail "npm install -g $tarball"
fi
grep -E 'EBADENGINE|install-scripts' "$tmp/install.log" | sed 's/^/  npm: /' || true
export PATH="$prefix/bin:$PATH"
[[ $(command -v provisio) == "$prefix/bin/provisio" ]] || fail "provisio is not $prefix/bin/provisio"
pass "npm install -g --prefix <tmp> $(basename "$tarball")"

# 3. The command, outside the repository.
provisio --help >"$tmp/help.txt" || fail "provisio --help"
grep -q 'Usage: provisio' "$tmp/help.txt" || fail "provisio --help printed no usage"
grep -q 'serve' "$tmp/help.txt" || fail "provisio --help lists no serve"
pass "provisio --help"

provisio init >/dev/null || fail "provisio init"
grep -q 'servicePrincipalId:' provisio.yaml || fail "provisio init wrote no provisio.yaml"
pass "provisio init"

provisio demo --help | grep -q -- '--api-port' || fail "provisio demo --help"
pass "provisio demo --help"

# 4. serve on a free loopback port, its state in the working directory.
provisio serve --host 127.0.0.1 --port 0 >"$tmp/serve.log" 2>"$tmp/serve.err" &
serve_pid=$!
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's/^provisio serve: \(http:[^ ]*\).*/\1/p' "$tmp/serve.err" | head -n 1)
  [[ -n $url ]] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $url ]] || {
  cat "$tmp/serve.err" "$tmp/serve.log" >&2
  fail "provisio serve printed no URL"
}
password=$(sed -n 's/^ *password: *\([^ ]*\)$/\1/p' "$tmp/serve.err" | head -n 1)
[[ -n $password ]] || fail "provisio serve printed no administrator password"

URL=$url PASSWORD=$password node --input-type=module -e '
const { URL: base, PASSWORD: password } = process.env;
const expect = (ok, what) => { if (!ok) { console.error(what); process.exit(1); } };
let ready;
for (let i = 0; i < 100; i++) {
  ready = await fetch(`${base}/readyz`).catch(() => null);
  if (ready?.status === 200) break;
  await new Promise((r) => setTimeout(r, 100));
}
expect(ready?.status === 200, `/readyz answered ${ready?.status}`);
const page = await fetch(`${base}/`);
expect(page.status === 200 && /<div id="root">/.test(await page.text()), `the console at / answered ${page.status}`);
const signin = await fetch(`${base}/provisio/v1/auth/signin`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ username: "admin", password }),
});
expect(signin.status === 200, `sign-in answered ${signin.status}: ${await signin.clone().text()}`);
const cookie = (signin.headers.get("set-cookie") ?? "").split(";")[0];
expect(cookie.startsWith("provisio_session="), `sign-in set no session cookie: ${cookie}`);
const session = await fetch(`${base}/provisio/v1/auth/session`, { headers: { cookie } });
expect(session.status === 200, `the session cookie was refused: ${session.status}`);
const who = await session.json();
expect(who.user?.name === "admin", `the session is not the administrator: ${JSON.stringify(who)}`);
' || fail "provisio serve at $url"
pass "provisio serve: /readyz, the console, a sign-in and its session cookie ($url)"

kill -TERM "$serve_pid"
code=0
wait "$serve_pid" || code=$?
serve_pid=
[[ $code -eq 0 ]] || fail "provisio serve exited $code on SIGTERM"
[[ -f data/provisio.db ]] || fail "provisio serve kept no state in ./data/provisio.db"
pass "provisio serve stops on SIGTERM (exit 0), its state in ./data"

echo "ci-pack: $passed passed, 0 failed"

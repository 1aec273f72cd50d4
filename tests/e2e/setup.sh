#!/usr/bin/env bash
# Installs what the end-to-end runs of real client libraries need
# (crates/keel/tests/libraries.rs) into target/e2e, from the registries:
#   target/e2e/venv               Python venv with tests/e2e/python/requirements.txt
#   target/e2e/node/node_modules  npm packages of tests/e2e/js/package-lock.json
# Each is reinstalled only when its pin file changed, so a rerun takes a
# second. Node.js and npm come from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/e2e
mkdir -p "$out"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# Python: a venv (Debian's python3 needs python3-venv for it).
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt_install python3-venv
fi
requirements=tests/e2e/python/requirements.txt
if ! cmp -s "$requirements" "$out/venv/.requirements"; then
    rm -rf "$out/venv"
    python3 -m venv "$out/venv"
    timeout 600 "$out/venv/bin/pip" install --quiet --disable-pip-version-check \
        --no-input -r "$requirements"
    cp "$requirements" "$out/venv/.requirements"
fi

# Node.js: ioredis from the npm registry, exactly as locked.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi
lock=tests/e2e/js/package-lock.json
if ! cmp -s "$lock" "$out/node/package-lock.json"; then
    rm -rf "$out/node"
    mkdir -p "$out/node"
    cp tests/e2e/js/package.json "$lock" "$out/node/"
    (cd "$out/node" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
fi

echo "e2e toolchain: $("$out/venv/bin/python" --version), node $(node --version)," \
    "celery $("$out/venv/bin/python" -c 'import celery; print(celery.__version__)')," \
    "ioredis $(node -p "require('./$out/node/node_modules/ioredis/package.json').version")"

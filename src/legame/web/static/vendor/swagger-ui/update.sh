#!/usr/bin/env bash
# Re-vendor Swagger UI, which the API's /docs page runs (see README.md here).
# Usage: bash src/legame/web/static/vendor/swagger-ui/update.sh VERSION   # e.g. 5.36.0
# Needs npm and the npm registry; writes only into this folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:?swagger-ui-dist version}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "swagger-ui-dist@$version" >/dev/null
dist=node_modules/swagger-ui-dist
# The browser bundle (React and the other dependencies inside) and its stylesheet; the
# source maps and the other builds are left out.
cp "$dist/swagger-ui-bundle.js" "$here/swagger-ui-bundle.js"
cp "$dist/swagger-ui.css" "$here/swagger-ui.css"
cp "$dist/LICENSE" "$here/LICENSE"
cp "$dist/NOTICE" "$here/NOTICE.txt"  # .txt: the package data takes *.txt
# The licence notices of what the bundle holds (React, immutable, DOMPurify, ...).
cp "$dist/swagger-ui-bundle.js.LICENSE.txt" "$here/swagger-ui-bundle.js.LICENSE.txt"
# Pointers to source maps, which are not vendored, are dropped (the stylesheet ends with one).
sed -i -e '/^\/\/# sourceMappingURL=/d' "$here/swagger-ui-bundle.js"
sed -i -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$here/swagger-ui.css"
echo "vendored swagger-ui-dist $version into $here"

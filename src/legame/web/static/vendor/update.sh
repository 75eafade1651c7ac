#!/usr/bin/env bash
# Re-vendor the Vega bundles the dashboard and the report use (see README.md here).
# Usage: bash src/legame/web/static/vendor/update.sh VEGA VEGA_LITE VEGA_EMBED
# e.g.   bash src/legame/web/static/vendor/update.sh 6.4.0 6.5.0 7.3.0
# Needs npm and the npm registry; writes only into this folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vega="${1:?vega version}" lite="${2:?vega-lite version}" embed="${3:?vega-embed version}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts \
    "vega@$vega" "vega-lite@$lite" "vega-embed@$embed" >/dev/null
cp node_modules/vega/build/vega.min.js "$here/vega.min.js"
cp node_modules/vega-lite/build/vega-lite.min.js "$here/vega-lite.min.js"
cp node_modules/vega-embed/build/vega-embed.min.js "$here/vega-embed.min.js"
cp node_modules/vega/LICENSE "$here/LICENSE-vega"
cp node_modules/vega-lite/LICENSE "$here/LICENSE-vega-lite"
cp node_modules/vega-embed/LICENSE "$here/LICENSE-vega-embed"
# The browser builds bundle their runtime dependencies: keep those licences too. Packages
# that only the command-line tools use (yargs and friends) are not in the bundles.
cli_only='^(ansi-regex|ansi-styles|cliui|commander|emoji-regex|escalade|get-caller-file|get-east-asian-width|iconv-lite|rw|safer-buffer|string-width|strip-ansi|wrap-ansi|y18n|yargs|yargs-parser|vega-typings|vega|vega-lite|vega-embed)$'
{
    echo "Licences of the packages bundled inside vega.min.js, vega-lite.min.js and"
    echo "vega-embed.min.js (vega $vega, vega-lite $lite, vega-embed $embed)."
    for dir in node_modules/*/; do
        name="$(basename "$dir")"
        [[ "$name" == @* ]] && continue
        [[ "$name" =~ $cli_only ]] && continue
        version="$(node -p "require('./${dir}package.json').version")"
        licence="$(node -p "require('./${dir}package.json').license")"
        file="$(ls "$dir" | grep -i -E '^(licen[sc]e|copying)' | head -1 || true)"
        echo
        echo "================================================================"
        echo "$name $version ($licence)"
        echo "================================================================"
        if [ -n "$file" ]; then cat "$dir$file"; else echo "(no licence file in the package)"; fi
    done
} > "$here/LICENSE-bundled.txt"
echo "vendored vega $vega, vega-lite $lite, vega-embed $embed into $here"

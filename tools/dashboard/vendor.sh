#!/bin/sh
# Copy the dashboard's and GraphiQL's front-end libraries (pinned in package.json and
# package-lock.json) into api/static/vendor, where the API serves them: no CDN at run time.
#   sh tools/dashboard/vendor.sh
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
out=../../api/static/vendor
rm -rf "$out"
mkdir -p "$out"
cp node_modules/echarts/dist/echarts.min.js "$out/"
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$out/"
cp node_modules/react/umd/react.production.min.js "$out/"
cp node_modules/react-dom/umd/react-dom.production.min.js "$out/"
{
  echo "Vendored by tools/dashboard/vendor.sh from npm (versions pinned in tools/dashboard/package-lock.json)."
  echo
  for p in echarts cytoscape graphiql react react-dom; do
    node -e "const p=require('./node_modules/$p/package.json'); console.log(p.name+' '+p.version+'  licence: '+p.license)"
  done
} > "$out/VERSIONS.txt"
for p in echarts cytoscape graphiql react react-dom; do
  cp "node_modules/$p/LICENSE" "$out/LICENSE.$p" 2>/dev/null || cp node_modules/$p/LICENSE* "$out/LICENSE.$p"
done
echo "vendored into api/static/vendor:"; cat "$out/VERSIONS.txt"

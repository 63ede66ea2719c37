#!/usr/bin/env bash
# The layers of src/ and include/streampulse/ (DEVELOPERS.md, "Layers"): each folder may include
# only the folders listed for it below, so dependencies point one way. Fails listing every
# #include "streampulse/<folder>/..." that crosses to a folder not allowed, every relative include
# that leaves its folder, every folder missing from the table, and every line of api/ that names
# a concrete backend (embedded::, momento::, redis::).
#
#   scripts/check-layers.sh           check (exit 1 on an offending include)
#   scripts/check-layers.sh --graph   print the folder graph: "from -> to (includes)"
#
# A file's folder: src/<folder>/..., include/streampulse/<folder>/...; src/main.cpp is "main".
# Tests, benchmarks and fuzzers may include any layer and are not checked.
set -euo pipefail
cd "$(dirname "$0")/.."

# folder: the folders it may include besides itself. Top to bottom; keep in step with
# DEVELOPERS.md's picture.
ALLOWED='
main:     app cli
app:      api service persist config http media embedded momento redis sim net async core store
cli:      sim media http net core store
api:      service persist config media http core store
service:  persist config core store
persist:  core store
config:   redis core store
media:    http core store
embedded: core store
momento:  net core store
redis:    embedded net core store
sim:      net core store
http:     async core store
net:      core
core:     store
store:
async:
separate:
'

mode=check
[[ ${1:-} == --graph ]] && mode=graph

find src include/streampulse -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print0 |
  sort -z | xargs -0 -x awk -v mode="$mode" -v allowed="$ALLOWED" '
BEGIN {
  n = split(allowed, lines, "\n")
  for (i = 1; i <= n; i++) {
    if (lines[i] !~ /:/) continue
    split(lines[i], kv, ":")
    from = kv[1]; gsub(/[ \t]/, "", from)
    known[from] = 1
    m = split(kv[2], tos, /[ \t]+/)
    for (j = 1; j <= m; j++) if (tos[j] != "") ok[from, tos[j]] = 1
  }
  bad = 0
}
FNR == 1 {
  path = FILENAME
  if (path == "src/main.cpp") folder = "main"
  else if (path ~ /^src\//) { split(path, p, "/"); folder = p[2] }
  else { split(path, p, "/"); folder = p[3] }
  if (!(folder in known) && !(folder in reported)) {
    printf "%s: folder \"%s\" is not in scripts/check-layers.sh: add it and what it may include\n", path, folder
    reported[folder] = 1; bad++
  }
}
# api/ names no concrete backend, not even through a forward declaration.
folder == "api" && $0 !~ /^[ \t]*\/\// && /(^|[^a-z_:])(embedded|momento|redis)::/ {
  printf "%s:%d: api names a concrete backend: %s\n", FILENAME, FNR, $0
  bad++
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
  target = $0
  sub(/^[^"]*"/, "", target); sub(/".*$/, "", target)
  if (target ~ /^streampulse\//) {
    split(target, t, "/"); to = t[2]
    if (to == folder) next
    edges[folder " -> " to]++
    if (!((folder, to) in ok)) {
      printf "%s:%d: %s -> %s not allowed: #include \"%s\"\n", FILENAME, FNR, folder, to, target
      bad++
    }
  } else if (target ~ /(^|\/)\.\.\//) {
    printf "%s:%d: a relative include leaves its folder: #include \"%s\"\n", FILENAME, FNR, target
    bad++
  }
}
END {
  if (mode == "graph") {
    for (e in edges) printf "%s (%d)\n", e, edges[e] | "sort"
    close("sort")
  }
  if (bad > 0) {
    printf "check-layers: %d line(s) break the layers (DEVELOPERS.md, \"Layers\")\n", bad
    exit 1
  }
  if (mode != "graph") print "check-layers: the includes of src/ and include/ keep the layers"
}' || exit 1

#!/bin/sh
# The workspaces whose files changed since a base revision, as a JSON list for only_workspaces.
#   ci/changed-workspaces.sh BASE [WORKSPACES_DIR]     e.g. ci/changed-workspaces.sh origin/main
# prints e.g. ["analytics","shop"] (or [] when no workspace file changed). Removed files are left out
# on purpose: a workspace without its file is not in the inventory, its tenants are orphans that the
# next full run reports (docs/onboarding.md, "Offboarding").
set -eu
base=${1:?usage: changed-workspaces.sh BASE [WORKSPACES_DIR]}
dir=${2:-inventory/workspaces}
git diff --name-only --diff-filter=d "$base" -- "$dir" \
  | grep -E '\.ya?ml$' \
  | sed -E 's#.*/##; s#\.ya?ml$##' \
  | sort -u \
  | awk 'BEGIN { printf "[" } { printf "%s\"%s\"", (NR > 1 ? "," : ""), $0 } END { print "]" }'

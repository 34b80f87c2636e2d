#!/bin/sh
# The pull-request check, plain shell for any CI (docs/onboarding.md):
#   1. validate the whole inventory: no cloud, no credentials, every error with its file and path;
#   2. the plan of the changed workspaces: replicate --check (reads only) writes reports/<platform>.plan.md;
#   3. plan.md, the plans of every platform, for the CI to post on the pull request.
#   ci/pull-request.sh BASE        e.g. ci/pull-request.sh origin/main
# Step 2 needs clouds.yaml (OS_CLIENT_CONFIG_FILE) with the platforms' lz_cloud accounts.
set -eu
base=${1:?usage: pull-request.sh BASE}
ansible-playbook -i inventory/ landingzone.openstack.validate

changed=$(ci/changed-workspaces.sh "$base")
if [ "$changed" = "[]" ]; then
  echo "No workspace file changed: nothing to replicate." > plan.md
  exit 0
fi
rm -rf reports/plan && mkdir -p reports/plan
ansible-playbook -i inventory/ landingzone.openstack.replicate --check \
  -e "{\"replicate_only_workspaces\": $changed, \"lz_report_dir\": \"reports/plan\"}"
cat reports/plan/*.plan.md > plan.md

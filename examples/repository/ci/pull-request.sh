#!/bin/sh
# The pull-request check, plain shell for any CI (docs/onboarding.md):
#   1. validate the whole inventory: no cloud, no credentials, every error with its file and path;
#   2. the plan of the changed workspaces: replicate --check (reads only) writes reports/<platform>.plan.md;
#   3. plan.md, the plans of every platform, for the CI to post on the pull request.
#   ci/pull-request.sh BASE        e.g. ci/pull-request.sh origin/main
# Step 2 needs clouds.yaml (OS_CLIENT_CONFIG_FILE) with the platforms' lz_cloud accounts.
# LZ_QUOTA_APPROVED_BY (optional): the label passed by CI, who approved the pull request's quota requests
# above the auto-approval threshold (docs/quotas.md); set it only from a label platform engineers alone may set.
set -eu
base=${1:?usage: pull-request.sh BASE}
set --
if [ -n "${LZ_QUOTA_APPROVED_BY:-}" ]; then
  set -- -e "lz_quota_approved_by=$LZ_QUOTA_APPROVED_BY"
fi
ansible-playbook -i inventory/ landingzone.openstack.validate "$@"

changed=$(ci/changed-workspaces.sh "$base")
if [ "$changed" = "[]" ]; then
  echo "No workspace file changed: nothing to replicate." > plan.md
  exit 0
fi
rm -rf reports/plan && mkdir -p reports/plan
ansible-playbook -i inventory/ landingzone.openstack.replicate --check \
  -e "{\"replicate_only_workspaces\": $changed, \"lz_report_dir\": \"reports/plan\"}" "$@"
cat reports/plan/*.plan.md > plan.md

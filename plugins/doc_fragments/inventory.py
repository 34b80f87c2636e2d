# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # The inventory model (docs/inventory.md) as module options: one call takes a whole platform.
    DOCUMENTATION = r'''
options:
  platform:
    description:
      - Name of the platform (the inventory host) being replicated.
    type: str
    required: true
  platforms:
    description:
      - Names of all platforms of the inventory, so that a project's C(platforms) list is
        validated against them. Defaults to O(platform) alone.
    type: list
    elements: str
  landing_zones:
    description:
      - Landing zones by name (domain mode, role mapping, name patterns, euid pattern, deletion
        automation, extra tags, quotas). See C(docs/inventory.md).
      - Taken as written (type C(raw)). A value of the wrong shape is reported by the collection's
        validation with its path, never converted by Ansible (a C(key=value) or JSON string is not
        turned into a mapping).
    type: raw
    required: true
  workspaces:
    description:
      - Workspaces with their projects, bindings and lifecycle state. See C(docs/inventory.md).
      - The whole inventory is validated before the first API call; an error names the path of
        the offending entry, for example C(workspaces[3].projects[0].bindings[2].role).
      - Taken as written (type C(raw)), like O(landing_zones), as a list or as the JSON text of one (the role
        C(landingzone.openstack.replicate) passes it so on ansible-core 2.19 and later, where a text costs
        Ansible nothing per task and a large list several seconds).
    type: raw
    required: true
  only_workspaces:
    description:
      - Replicate only these workspace identifiers (onboarding one workspace). The whole
        inventory is still validated. Orphans are neither reported nor pruned in this mode,
        since the rest of the inventory is out of view.
    type: list
    elements: str
  workspace_files:
    description:
      - Where O(workspaces) came from when it was loaded from one file per workspace, the variable
        C(lz_workspace_files) that the vars plugin C(landingzone.openstack.workspaces) sets.
      - The loader's problems (empty, unparsable or non-mapping file, identifier not the file name)
        are reported with the validation errors, and error paths name the
        file and the path inside it (the file C(workspaces/shop.yml), the path C(projects[0].bindings[2].role)).
      - Omit it for the single-list form of O(workspaces).
    type: dict
  shard:
    description:
      - Replicate only the workspaces of one shard of the platform, a mapping with C(index) I and
        C(count) N, 0 <= I < N. A workspace belongs to shard C(sha256(identifier) mod N), so N hosts (AWX job
        slicing) replicate one platform in parallel and no tenant is written by two of them.
      - Shard 0 also decides orphans (and prune) against the whole inventory and writes the
        platform's registered limits; the other shards do neither. See C(docs/scale.md).
      - V({}) (default) replicates the whole platform.
    type: dict
    default: {}
    version_added: 0.1.0
  identity_platform:
    description:
      - This platform is a region that shares the Keystone of another platform of the inventory,
        which replicates the identity (projects, domains, groups, grants, members) once for both.
      - Its tenants are that platform's projects (found by its marker tags) with this platform's
        landing-zone quotas; a project on this platform must be on that one too. Only quotas (and
        metering) run per region. C(keystone_tenant) and C(keystone_group_binding) refuse to run
        with it, and no run of this platform looks for orphans. See C(docs/scale.md).
    type: str
    version_added: 0.1.0
  quota_definitions:
    version_added: 0.2.0
    description:
      - The platform's quota definitions, a mapping of quota key (C(docs/quotas.md)) to C(min), C(max) and
        C(auto_approve_max) (integers of 0 or more, each optional). Every quota value of the inventory (a
        landing zone's values and sizes, a project's overrides) must lie within [C(min), C(max)]; -1
        (unlimited) is above any C(max).
      - A project override above C(auto_approve_max) (and above what its landing zone gives) is a request
        that needs an approval, see O(quota_approvals) and O(quota_approval).
      - The role and the playbooks pass the variable C(lz_quota_definitions); validation errors name it.
      - Taken as written (type C(raw)), like O(landing_zones).
    type: raw
  quota_approvals:
    version_added: 0.2.0
    description:
      - Approved quota requests, a list of mappings with C(workspace), C(project), C(key), C(value) (the
        highest value approved; -1 approves unlimited), C(approved_by), and optionally C(platform),
        C(ticket) and C(expires) (a date, UTC; from then on the approval approves nothing).
      - Kept in a file the platform team owns (CODEOWNERS), the variable C(lz_quota_approvals) in
        C(group_vars/all/quota_approvals.yml). An approval that approves nothing is a warning (stale).
    type: raw
  quota_approval:
    version_added: 0.2.0
    description:
      - V(require) fails validation on a quota request that nothing approves, naming its path and
        how to approve it, before any request. V(report) lets it pass; the plan marks it C(needs approval).
      - The role and the playbooks pass the variable C(lz_quota_approval).
    type: str
    choices: [require, report]
    default: require
  quota_approved_by:
    version_added: 0.2.0
    description:
      - The label passed by CI, the name of who approved the pull request's quota requests
        (C(-e lz_quota_approved_by=<name>)). It approves every quota request of the run;
        the plan marks each C(approved by <name> (label passed by CI)).
    type: str
  validated:
    version_added: 0.2.0
    description:
      - The C(fingerprint) that M(landingzone.openstack.inventory_validate) returned earlier in the same run, for
        the same inventory (the role C(landingzone.openstack.replicate) passes it). With O(only_workspaces) the
        module then validates and reads only those workspaces, since the whole inventory has passed already; that
        saves seconds a step on an inventory of thousands of tenants.
      - Any other value, or none, and the module validates the whole inventory itself.
    type: str
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: follow_step
short_description: Follow a replication step started with async to its end, printing its progress
version_added: 0.2.0
description:
  - Waits on the controller for the async job of a replication step (a task of
    M(landingzone.openstack.keystone_tenant) or M(landingzone.openstack.keystone_group_binding) started with
    C(async) and C(poll) set to 0, and the step's option C(progress_file)), prints the step's status line (phase, writes
    done of the plan's total, tenants failed so far) every O(interval) seconds at the default verbosity, and
    returns the step's result when the job ends.
  - The result is the job's as M(ansible.builtin.async_status) returns it, the module's C(changed), C(failed),
    C(msg), C(diff) and rows included; a failed step fails this task. The job's file is removed from the async
    directory (it holds the step's whole result).
  - The end of the step is seen within 0.2 seconds by reading the job's file on the controller, which the role's
    local connection (C(ansible_connection=local)) allows; on another connection the job is asked through
    M(ansible.builtin.async_status) once a second, and the line says only that the step runs.
  - A lost step fails the task instead of being waited for. On the local connection, when the step's module ended
    or its process is gone (the status file names it) and the job's file still says running 30 seconds later
    (the C(async_wrapper) that writes the result is gone too), the task fails with C(the <step> step was lost),
    naming the process and the job's file.
  - The replicate role uses it for its long steps (its variable C(replicate_progress_interval)); the long story is
    in C(docs/scale.md), section "Progress".
  - This is an action plugin; it runs on the controller.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  job:
    description:
      - The registered result of the step's task started with C(async) and C(poll) set to 0 (it holds
        C(ansible_job_id) and C(results_file)).
    type: dict
    required: true
  step:
    description: The step's name in the status line (for example V(tenants), V(access)).
    type: str
    required: true
  status_file:
    description:
      - The step's status file, the C(progress_file) option its task gave the module. Read on the controller.
    type: path
    required: true
  interval:
    description: Seconds between two status lines; at least 1.
    type: int
    default: 30
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It reads the job; the step's task decides what its module writes in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The step's diff, when it returned one, is this task's.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - ansible-core 2.16 refuses C(async) in check mode; there a step of a check run is a plain task, with nothing to
    follow.
seealso:
  - module: ansible.builtin.async_status
  - module: landingzone.openstack.keystone_tenant
  - module: landingzone.openstack.keystone_group_binding
'''

EXAMPLES = r'''
# landing_zones and workspaces: the inventory variables (examples/inventory/group_vars/all/);
# one host per platform in the group platforms, ansible_connection: local.
- name: Replicate the tenants of this platform, async, with a status file
  landingzone.openstack.keystone_tenant:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    progress_file: "/tmp/{{ inventory_hostname }}.progress.tenants.json"
  async: 86400
  poll: 0
  register: tenants_job

- name: Follow the tenants step, a status line every 30 seconds
  landingzone.openstack.follow_step:
    job: "{{ tenants_job }}"
    step: tenants
    status_file: "/tmp/{{ inventory_hostname }}.progress.tenants.json"
    interval: 30
  register: tenants
'''

RETURN = r'''
finished:
  description: The job ended (true; the task returns only then).
  type: bool
  returned: always
ansible_job_id:
  description: The job's id.
  type: str
  returned: always
changed:
  description: The step's own C(changed) (its module's).
  type: bool
  returned: always
tenants:
  description: What the step returned, unchanged (see the step's module); C(tenants) is one of its keys.
  type: list
  elements: dict
  returned: when the step returned it
'''

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # The status file of a long step (docs/scale.md, "Progress").
    DOCUMENTATION = r'''
options:
  progress_file:
    version_added: 0.2.0
    description:
      - Path of a status file this module keeps while it runs, for a task that runs it with C(async)
        and polls it (the replicate role does, see its C(replicate_progress_interval)).
      - JSON with C(step), C(phase) (C(validate), C(read), C(plan), C(apply), C(finished)), C(done) and
        C(total) writes, C(failed_tenants) so far, C(elapsed) seconds, a printable C(line) and the module's
        process id C(pid) (M(landingzone.openstack.follow_step) tells a lost step by it); written
        atomically at most once a second, and with C(finished) true when the module ends, however it ends.
      - Not given, no file is written.
    type: path
'''

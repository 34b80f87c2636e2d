# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Every tenant's row in a file beside the result (docs/scale.md, "Where the time goes").
    DOCUMENTATION = r'''
options:
  rows_file:
    version_added: 0.2.0
    description:
      - Path of a file this module writes every tenant's row to (JSON, the list the result's C(tenants) would
        hold), however it ends. The result's C(tenants) then keeps only the rows whose status is not V(ok) and
        C(rows_file) says where the others are (C(path), C(sha256), C(rows)).
      - For a large platform, where Ansible copies a result's rows into every task that reads it (seconds per task at
        10,000 tenants). The replicate role passes it and M(landingzone.openstack.replication_report) reads the
        file back (refusing one whose digest is not the result's).
      - Not given, or when the file cannot be written (a warning says so), every row is in the result.
    type: path
'''

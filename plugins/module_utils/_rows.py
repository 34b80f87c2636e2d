# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every tenant's row of a step in a file beside its result (option ``rows_file``).

Ansible decodes, tags, copies and prints a result's rows at every task that reads them: seconds a step at 10,000
tenants (docs/scale.md). The replicate role has its validation and steps write their rows to a file and return only
the rows worth a look (a status other than ok); replication_report reads the file back, refusing one that is not the
file the step wrote (its digest is in the result), and removes it once the report is written.
"""

import hashlib
import json
import os

from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Status

ROWS_FILE = 'rows_file'
ROWS = 'tenants'


class RowsFileError(UserError):
    """A step's rows file is missing or is not the file the step wrote."""


def kept_in_result(row):
    """A row the result keeps beside the file: a status other than ok (the validation's rows have none)."""
    return row.get('status') not in (None, Status.OK)


def write_rows(path, result):
    """Write ``result``'s rows to ``path`` and keep in ``result`` those ``kept_in_result``, with ``rows_file`` (path,
    digest, count). Returns the result; an OSError leaves it whole (the caller warns)."""
    rows = result.get(ROWS)
    if not isinstance(rows, list):
        return result
    ref = write_data(path, rows)
    result[ROWS] = [row for row in rows if kept_in_result(row)]
    result[ROWS_FILE] = dict(ref, rows=len(rows))
    return result


def write_data(path, data):
    """Write ``data`` (JSON) to ``path``; returns the reference a reader checks it by (``path``, ``sha256``)."""
    text = json.dumps(data, sort_keys=True, separators=(',', ':'))
    atomic_write(path, text)
    return dict(path=os.path.abspath(path), sha256=_digest(text))


def read_data(ref, what):
    """The data of the file ``ref`` (``write_data``) names; RowsFileError naming ``what`` when the file is gone or is
    not the one written (another run wrote it since)."""
    try:
        with open(ref['path'], encoding='utf-8') as handle:
            text = handle.read()
    except OSError as exc:
        raise RowsFileError('%s cannot be read: %s' % (what, exc))
    if _digest(text) != ref.get('sha256'):
        raise RowsFileError('%s %s is not the one the step wrote (another run of this platform wrote it since?)'
                            % (what, ref['path']))
    return json.loads(text)


def rows_out(module, result):
    """``write_rows`` when the module was given the option rows_file; a file that cannot be written leaves every row
    in the result, and a warning says so."""
    path = module.params.get(ROWS_FILE)
    if path:
        try:
            write_rows(path, result)
        except OSError as exc:
            module.warn('the rows file %s could not be written (%s): every row is in this result' % (path, exc))
    return result


def read_rows(step, result):
    """``result`` with every row back from its rows file, when it has one; RowsFileError when that file is gone or
    is not the one the step wrote: no report is made of rows that may be another run's."""
    ref = result.get(ROWS_FILE) if isinstance(result, dict) else None
    if not isinstance(ref, dict):
        return result
    return dict(result, **{ROWS: read_data(ref, 'the %s step\'s rows file' % step)})


def remove_rows_files(steps):
    """Remove the files of ``steps`` (name -> result) once the report holds their rows: the rows files and a
    listing a step handed the later ones (``handoff.listing``). They belong to the run."""
    for result in steps.values():
        if not isinstance(result, dict):
            continue
        for ref in (result.get(ROWS_FILE), (result.get('handoff') or {}).get('listing')):
            if isinstance(ref, dict) and ref.get('path'):
                try:
                    os.remove(ref['path'])
                except FileNotFoundError:
                    pass


def _digest(text):
    return hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A step's rows in a file (option rows_file): the result keeps the rows worth a look, the report reads the others back
and refuses a file another run rewrote."""

import json

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._replication import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import (
    RowsFileError,
    read_rows,
    rows_out,
    write_rows,
)

ROWS = [dict(tenant='acme/web', name='acme-web', project_id='p1', status='ok', changes=[], remarks=[]),
        dict(tenant='acme/db', name='acme-db', project_id='p2', status='changed', changes=['enable'], remarks=[]),
        dict(tenant='shop/api', name='shop-api', project_id=None, status='failed', changes=[],
             remarks=[dict(code='api_error', severity='error', message='boom')])]


class Module:
    check_mode = False

    def __init__(self, params):
        self.params = params
        self.warnings = []
        self.exit = self.failed = None

    def warn(self, text):
        self.warnings.append(text)

    def atomic_move(self, src, dst):
        import os
        os.replace(src, dst)

    def exit_json(self, **result):
        self.exit = result

    def fail_json(self, msg, **result):
        self.failed = msg
        raise SystemExit(1)


def test_the_result_keeps_the_rows_that_are_not_ok_and_the_file_every_row(tmp_path):
    path = tmp_path / 'fra1.rows.tenants.json'
    result = write_rows(str(path), dict(changed=True, tenants=[dict(r) for r in ROWS]))
    assert [r['tenant'] for r in result['tenants']] == ['acme/db', 'shop/api']
    assert result['rows_file']['path'] == str(path) and result['rows_file']['rows'] == 3
    assert json.loads(path.read_text()) == ROWS
    assert read_rows('tenants', result)['tenants'] == ROWS


def test_the_validation_rows_have_no_status_and_all_go_to_the_file(tmp_path):
    rows = [dict(tenant='acme/web', name='acme-web', state='present')]
    result = write_rows(str(tmp_path / 'v.json'), dict(tenants=rows))
    assert result['tenants'] == [] and read_rows('validation', result)['tenants'] == rows


def test_a_file_another_run_rewrote_or_removed_is_refused_naming_it(tmp_path):
    path = tmp_path / 'rows.json'
    result = write_rows(str(path), dict(tenants=[dict(r) for r in ROWS]))
    path.write_text(json.dumps(ROWS[:1]))
    with pytest.raises(RowsFileError, match=r'access step.s rows file .*rows.json is not the one the step wrote'):
        read_rows('access', result)
    path.unlink()
    with pytest.raises(RowsFileError, match='access step.s rows file cannot be read'):
        read_rows('access', result)


def test_without_the_option_or_when_the_file_cannot_be_written_every_row_stays(tmp_path):
    assert rows_out(Module({}), dict(tenants=list(ROWS)))['tenants'] == ROWS
    blocked = tmp_path / 'a-file'
    blocked.write_text('')
    module = Module(dict(rows_file=str(blocked / 'rows.json')))
    result = rows_out(module, dict(tenants=list(ROWS)))
    assert result['tenants'] == ROWS and 'rows_file' not in result
    assert 'could not be written' in module.warnings[0] and 'every row is in this result' in module.warnings[0]


def test_the_report_reads_the_rows_back_and_removes_the_files(tmp_path):
    validation = write_rows(str(tmp_path / 'v.json'), dict(requests=dict(total=0), tenants=[
        dict(tenant=r['tenant'], name=r['name'], state='present') for r in ROWS]))
    tenants = write_rows(str(tmp_path / 't.json'), dict(changed=True, requests=dict(total=3), tenants=[dict(r) for r in ROWS]))
    module = Module(dict(platform='fra1', path=str(tmp_path / 'fra1.json'), only_workspaces=[],
                         steps=dict(validation=validation, tenants=tenants)))
    runner.run_module(module)
    report = json.loads((tmp_path / 'fra1.failed.json').read_text())
    assert [(r['tenant'], r['status'], r['project_id']) for r in report['tenants']] == [
        ('acme/web', 'ok', 'p1'), ('acme/db', 'changed', 'p2'), ('shop/api', 'failed', None)]
    assert report['summary']['ok'] == 1 and module.exit['failed_tenants'] == ['shop/api']
    assert not (tmp_path / 'v.json').exists() and not (tmp_path / 't.json').exists()


def test_the_report_fails_on_a_rewritten_file_and_writes_no_report(tmp_path):
    tenants = write_rows(str(tmp_path / 't.json'), dict(requests=dict(total=1), tenants=[dict(r) for r in ROWS]))
    (tmp_path / 't.json').write_text('[]')
    module = Module(dict(platform='fra1', path=str(tmp_path / 'fra1.json'), only_workspaces=[],
                         steps=dict(tenants=tenants)))
    with pytest.raises(SystemExit):
        runner.run_module(module)
    assert 'is not the one the step wrote' in module.failed
    assert not list(tmp_path.glob('fra1*.json'))

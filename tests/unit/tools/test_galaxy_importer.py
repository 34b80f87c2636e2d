# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/galaxy_importer.py: what fails the phase, and the repository stand-in (no importer run here)."""

import io
import json
import os
import tarfile

import yaml

import galaxy_importer  # tests/galaxy_importer.py (tests/ is on sys.path: tests/pytest.ini)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_findings_are_the_warning_and_error_lines():
    out = ('Importing with galaxy-importer 0.4.44\n'
           'WARNING: roles/meter/meta/main.yml: something\n'
           'Loading role meter\n'
           'ERROR: The import failed for the following reason: No role readme found.\n'
           'Collection loading complete\n')
    assert galaxy_importer.findings(out) == ['WARNING: roles/meter/meta/main.yml: something',
                                             'ERROR: The import failed for the following reason: No role readme found.']
    assert galaxy_importer.findings('Loading playbook meter.yml\nCollection loading complete\n') == []


def _tarball(path, manifest, files):
    with tarfile.open(path, 'w:gz') as tar:
        for name, data in [('MANIFEST.json', json.dumps(manifest).encode())] + files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_tarball_without_repository_is_checked_as_a_copy_that_names_one(tmp_path, monkeypatch):
    monkeypatch.delenv('LZ_GALAXY_REPOSITORY', raising=False)
    src = str(tmp_path / 'c.tar.gz')
    _tarball(src, {'collection_info': {'name': 'openstack', 'repository': None}}, [('README.md', b'# hi\n')])
    copy, note = galaxy_importer.with_repository(src, str(tmp_path))
    assert copy != src and 'cannot be uploaded' in note
    with tarfile.open(copy) as tar:
        assert json.load(tar.extractfile('MANIFEST.json'))['collection_info']['repository'] == \
            galaxy_importer.STANDIN_REPOSITORY
        assert tar.extractfile('README.md').read() == b'# hi\n'


def test_a_tarball_with_repository_is_checked_as_it_is(tmp_path):
    src = str(tmp_path / 'c.tar.gz')
    _tarball(src, {'collection_info': {'repository': 'https://git.example.com/lz'}}, [])
    assert galaxy_importer.with_repository(src, str(tmp_path)) == (src, None)


def test_galaxy_yml_names_no_placeholder_url():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        meta = yaml.safe_load(handle)
    for key in ('repository', 'documentation', 'homepage', 'issues'):
        assert 'example.invalid' not in str(meta.get(key) or '')


def test_every_role_readme_names_every_variable_of_its_argument_spec():
    for role in sorted(os.listdir(os.path.join(ROOT, 'roles'))):
        with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
            options = yaml.safe_load(handle)['argument_specs']['main']['options']
        with open(os.path.join(ROOT, 'roles', role, 'README.md')) as handle:
            readme = handle.read()
        missing = [name for name in options if '| `%s` |' % name not in readme]
        assert not missing, '%s/README.md lacks %s' % (role, missing)


def test_role_readme_tables_give_each_variable_its_spec_type_and_default():
    """The README rows (name, type, required, default) say what argument_specs.yml and defaults/main.yml say."""
    for role in sorted(os.listdir(os.path.join(ROOT, 'roles'))):
        with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
            options = yaml.safe_load(handle)['argument_specs']['main']['options']
        with open(os.path.join(ROOT, 'roles', role, 'defaults', 'main.yml')) as handle:
            defaults = yaml.safe_load(handle) or {}
        rows = {}
        with open(os.path.join(ROOT, 'roles', role, 'README.md')) as handle:
            for line in handle:
                cells = [c.strip().replace('\\|', '|') for c in line.strip().strip('|').split(' | ')]
                if len(cells) >= 4 and cells[0].startswith('`') and cells[0].strip('`') in options:
                    rows[cells[0].strip('`')] = cells
        for name, spec in options.items():
            kind = spec.get('type', 'str')
            if kind == 'list':
                kind = 'list of %s' % spec.get('elements', 'str')
            assert rows[name][1] == kind, (role, name, rows[name][1], kind)
            if name in defaults and isinstance(defaults[name], str) and '{{' in defaults[name]:
                assert rows[name][3] == '`%s`' % defaults[name], (role, name, rows[name][3], defaults[name])

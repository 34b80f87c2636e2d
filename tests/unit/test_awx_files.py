# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX files of docs/awx.md, checked as far as a machine without AWX and Docker can.

* ``execution-environment.yml``: ``ansible-builder create`` makes a context that holds the built
  collection tarball; the collection installs from that context the way its Containerfile does
  (``ansible-galaxy collection install -r requirements.yml`` in ``_build``), and ansible-builder's
  own introspection finds exactly ``requirements.txt`` as its Python dependencies;
* the credential types (extensions/awx/credential_types): AWX's format, injectors that name only
  their inputs, a pgpass line that survives any password;
* the config-as-code playbook (extensions/awx/configure.yml): every awx.awx module argument it uses
  is one the awx.awx documentation lists (awx.awx cannot be installed here: no Galaxy).
"""

import hashlib
import os
import re
import subprocess
import sys

import jinja2.sandbox
import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX = os.path.join(REPO_ROOT, 'extensions', 'awx')
BIN = os.path.dirname(sys.executable)


def load(path):
    with open(os.path.join(REPO_ROOT, path)) as fh:
        return yaml.safe_load(fh)


def sha256(path):
    with open(path, 'rb') as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def run(cmd, **kwargs):
    """Run ``cmd``; on failure the assertion shows its output."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, '%s\n%s\n%s' % (' '.join(cmd), proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def requirement_lines(path):
    with open(path) as fh:
        return [line.split('#', 1)[0].strip() for line in fh if line.split('#', 1)[0].strip()]


# ------------------------------------------------------------------------ execution environment

def test_execution_environment_definition_is_pinned_and_names_the_built_tarball():
    definition = load('execution-environment.yml')
    version = load('galaxy.yml')['version']
    tarball = 'landingzone-openstack-%s.tar.gz' % version
    image = definition['images']['base_image']['name']
    assert ':' in image and not image.endswith(':latest'), image
    assert definition['additional_build_files'] == [{'src': 'build/' + tarball, 'dest': 'collections'}]
    assert definition['dependencies']['galaxy']['collections'] == [
        {'name': 'collections/' + tarball, 'type': 'file'}]
    # one list of Python dependencies: the collection's requirements.txt, found by introspection
    assert 'python' not in definition['dependencies']
    assert load('meta/execution-environment.yml')['dependencies'] == {'python': 'requirements.txt'}


def test_ansible_builder_context_holds_the_collection_and_its_requirements(tmp_path):
    version = load('galaxy.yml')['version']
    tarball = 'landingzone-openstack-%s.tar.gz' % version
    # the definition beside a build/ of its own: what `make build` leaves in the checkout
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path',
         str(tmp_path / 'build'), REPO_ROOT])
    with open(os.path.join(REPO_ROOT, 'execution-environment.yml')) as src, \
            open(tmp_path / 'execution-environment.yml', 'w') as dst:
        dst.write(src.read())
    context = tmp_path / 'context'
    run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', str(tmp_path / 'execution-environment.yml'),
         '-c', str(context), '--output-filename', 'Containerfile'])
    build = context / '_build'
    assert sha256(build / 'collections' / tarball) == sha256(tmp_path / 'build' / tarball)
    containerfile = (context / 'Containerfile').read_text()
    assert 'FROM $EE_BASE_IMAGE' in containerfile and 'COPY _build /build' in containerfile
    assert 'ARG EE_BASE_IMAGE="%s"' % load('execution-environment.yml')['images']['base_image']['name'] \
        in containerfile

    # the galaxy stage: WORKDIR /build, install -r requirements.yml
    collections = tmp_path / 'installed'
    # --force and no ANSIBLE_COLLECTIONS_PATH: the checkout's own link (build/collections, make test's
    # setting) would otherwise count as installed, and nothing would be installed from the tarball
    env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1')
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-r', 'requirements.yml',
         '--collections-path', str(collections / 'ansible_collections')], cwd=str(build), env=env)
    installed = collections / 'ansible_collections' / 'landingzone' / 'openstack'
    assert (installed / 'MANIFEST.json').exists() and (installed / 'requirements.txt').exists()

    # the builder stage: ansible-builder's introspection of the installed collections
    pip = tmp_path / 'pip.txt'
    run([sys.executable, str(build / 'scripts' / 'introspect.py'), 'introspect', '--write-pip', str(pip),
         str(collections)])
    assert requirement_lines(pip) == requirement_lines(os.path.join(REPO_ROOT, 'requirements.txt'))


# ------------------------------------------------------------------------ credential types

CREDENTIAL_TYPES = sorted(os.listdir(os.path.join(AWX, 'credential_types')))


def render(template, **values):
    jinja = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    return jinja.from_string(template).render(**values)


@pytest.mark.parametrize('name', CREDENTIAL_TYPES)
def test_credential_type_is_awx_format_and_injects_only_its_inputs(name):
    ctype = load(os.path.join('extensions', 'awx', 'credential_types', name))
    assert set(ctype) == {'name', 'description', 'kind', 'inputs', 'injectors'}
    assert ctype['kind'] in ('cloud', 'net')  # the kinds AWX allows for custom types
    fields = dict((f['id'], f) for f in ctype['inputs']['fields'])
    assert set(ctype['inputs']['required']) <= set(fields)
    assert all(f['type'] in ('string', 'boolean') and f.get('label') for f in fields.values())
    files = ctype['injectors'].get('file', {})
    assert all(re.match(r'^template\.[a-z_]+$', key) for key in files)
    # every secret reaches the job only through a file: AWX shows a job's environment
    secrets = [i for i, f in fields.items() if f.get('secret')]
    for key, template in ctype['injectors']['env'].items():
        assert not set(re.findall(r'{{\s*(\w+)', template)) & set(secrets), (key, template)
    values = dict((i, f.get('default', 'x')) for i, f in fields.items())
    filenames = dict((key.split('.', 1)[1], '/runner/%s' % key) for key in files)
    for template in list(files.values()) + list(ctype['injectors']['env'].values()):
        render(template, tower={'filename': filenames}, **values)  # StrictUndefined: no unknown name


@pytest.mark.parametrize('password', ['plain', 'with:colon', 'back\\slash:', '::\\\\'])
def test_ledger_pgpass_line_keeps_any_password(password):
    ctype = load('extensions/awx/credential_types/landingzone_ledger.yml')
    line = render(ctype['injectors']['file']['template.pgpass'], host='db', port='5432', dbname='ledger',
                  user='lz', password=password)
    # libpq's reading of a pgpass line: ':' separates, '\\' escapes the next character
    fields, current, chars = [], '', iter(line)
    for char in chars:
        if char == '\\':
            current += next(chars)
        elif char == ':':
            fields.append(current)
            current = ''
        else:
            current += char
    fields.append(current)
    assert fields == ['db', '5432', 'ledger', 'lz', password]


# ------------------------------------------------------------------------ configuration as code

def configure_tasks():
    [play] = load('extensions/awx/configure.yml')
    return play, play['tasks']


def test_configure_uses_only_arguments_awx_awx_documents():
    """awx.awx is not installable here (no Galaxy): its options, from ansible-doc of awx.awx 24.6.1
    (in the PyPI package ansible 12.3.0), are kept in tests/unit/data/awx_awx_arguments.json."""
    with open(os.path.join(REPO_ROOT, 'tests', 'unit', 'data', 'awx_awx_arguments.json')) as fh:
        documented = yaml.safe_load(fh)['modules']
    play, tasks = configure_tasks()
    used = set()
    for task in tasks:
        [module] = [key for key in task if key.startswith('awx.awx.')]
        name = module.split('.')[-1]
        used.add(name)
        assert set(task[module]) <= set(documented[name]), (module, set(task[module]) - set(documented[name]))
    assert used == set(documented)


def test_configure_creates_what_docs_awx_md_describes():
    play, tasks = configure_tasks()
    by_module = dict((next(k for k in t if k.startswith('awx.awx.')), t) for t in tasks)
    templates = play['vars']['lz_awx_job_templates']
    assert [t['name'] for t in templates] == ['LZ replicate', 'LZ meter', 'LZ chargeback', 'LZ chargeback preview']
    for template in templates:
        assert os.path.exists(os.path.join(AWX, 'project', template['playbook']))
    assert by_module['awx.awx.job_template']['awx.awx.job_template']['allow_simultaneous'] is False
    rrules = dict((t['name'], t['schedule']['rrule'].split('RRULE:', 1)[1]) for t in templates)
    assert rrules == {'LZ replicate': 'FREQ=MINUTELY;INTERVAL=10', 'LZ meter': 'FREQ=MINUTELY;INTERVAL=15',
                      'LZ chargeback': 'FREQ=MONTHLY;BYMONTHDAY=1', 'LZ chargeback preview': 'FREQ=DAILY;INTERVAL=1'}
    assert 'chargeback_preview' in play['vars']['lz_awx_job_templates'][3]['extra_vars']
    # the credential types come from the shipped files, not from a copy in the playbook
    assert 'credential_types/landingzone_clouds.yml' in play['vars']['lz_awx_clouds_type']
    assert 'credential_types/landingzone_ledger.yml' in play['vars']['lz_awx_ledger_type']
    assert by_module['awx.awx.credential']['no_log'] is True


# ------------------------------------------------------------------------ wrapper playbooks

@pytest.mark.parametrize('name', sorted(os.listdir(os.path.join(AWX, 'project'))))
def test_awx_wrapper_is_one_import_of_the_collection_playbook_of_its_name(name):
    """ansible-lint skips these (.ansible-lint: Galaxy's importer cannot resolve the import), so this checks them."""
    plays = load(os.path.join('extensions', 'awx', 'project', name))
    stem = name[:-len('.yml')]
    assert len(plays) == 1 and set(plays[0]) == {'name', 'ansible.builtin.import_playbook'}, plays
    assert plays[0]['ansible.builtin.import_playbook'] == 'landingzone.openstack.' + stem
    assert os.path.isfile(os.path.join(REPO_ROOT, 'playbooks', name)) and plays[0]['name'][:1].isupper()

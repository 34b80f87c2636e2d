# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""galaxy-importer (the checks Galaxy runs on upload) on the built collection tarball.

    python tests/galaxy_importer.py [TARBALL]   # default: build/landingzone-openstack-<version>.tar.gz

Run in nox's venv of session `galaxy_importer` (noxfile.py: the importer pins ``attrs<24``,
which conflicts with the collection's venv; the same ansible-core as the collection's venv: the
importer runs ``ansible-doc`` from its PATH). The configuration is the one Galaxy uses without a
container: no ``ansible-test`` (it needs Docker/Podman), ``ansible-doc`` of every plugin, the
metadata, README, role README, changelog and required-tag checks, and its ``ansible-lint`` run
(its defaults: production profile, offline, on the unpacked tarball, where the ``ansible-lint``
session lints the checkout). The importer logs every line ansible-lint prints as a WARNING, so a
file of the tarball that ansible-lint cannot place fails the run too.

Galaxy requires ``repository`` in galaxy.yml, and the collection has no public repository yet
(galaxy.yml omits the URL rather than name a placeholder). So that the importer still checks
everything else (it stops at the metadata otherwise), a tarball without ``repository`` is checked
as a copy whose MANIFEST.json names ``LZ_GALAXY_REPOSITORY`` (default: a ``.invalid`` URL), and
the run says so on a ``NOTE:`` line: that tarball cannot be uploaded until galaxy.yml has the real
URL. A tarball with ``repository`` is checked as it is.

The importer logs findings as lines containing ``WARNING`` or ``ERROR``; the run fails on any such
line (and on a non-zero exit, or when the importer did not report the import as done), so the
collection imports with no warnings.
"""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VBIN = os.path.dirname(sys.executable)
CONFIG = """[galaxy-importer]
run_ansible_test = false
run_ansible_doc = true
run_ansible_lint = true
offline_ansible_lint = true
check_changelog = true
check_required_tags = true
run_flake8 = false
require_v1_or_greater = false
log_level_main = INFO
"""
STANDIN_REPOSITORY = 'https://unpublished.invalid/landingzone/openstack'
BAD = re.compile(r'\b(WARNING|ERROR|CRITICAL)\b')


def tarball():
    import yaml
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        meta = yaml.safe_load(handle)
    return os.path.join(ROOT, 'build', '%s-%s-%s.tar.gz' % (meta['namespace'], meta['name'], meta['version']))


def with_repository(path, tmp):
    """(tarball to check, note): the tarball itself, or a copy whose MANIFEST.json names a repository."""
    with tarfile.open(path) as src:
        manifest = json.load(src.extractfile('MANIFEST.json'))
        if manifest['collection_info'].get('repository'):
            return path, None
        url = os.environ.get('LZ_GALAXY_REPOSITORY') or STANDIN_REPOSITORY
        manifest['collection_info']['repository'] = url
        os.makedirs(os.path.join(tmp, 'checked'), exist_ok=True)
        copy = os.path.join(tmp, 'checked', os.path.basename(path))
        with tarfile.open(copy, 'w:gz') as dst:
            for member in src.getmembers():
                if member.name == 'MANIFEST.json':
                    data = json.dumps(manifest, indent=4).encode()
                    member.size = len(data)
                    dst.addfile(member, io.BytesIO(data))
                else:
                    dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return copy, ('NOTE: galaxy.yml has no repository URL (Galaxy requires one: this tarball cannot be uploaded as it '
                  'is); checked a copy with repository %s' % url)


def findings(output):
    """The importer's WARNING/ERROR lines (empty: a clean import)."""
    return [line for line in output.splitlines() if BAD.search(line)]


def main(argv):
    path = os.path.abspath(argv[0]) if argv else tarball()
    if not os.path.isfile(path):
        print('galaxy-importer: no tarball %s (run the build first)' % path)
        return 1
    with tempfile.TemporaryDirectory(prefix='lz-galaxy-importer-') as tmp:
        cfg = os.path.join(tmp, 'galaxy-importer.cfg')
        with open(cfg, 'w') as handle:
            handle.write(CONFIG + 'tmp_root_dir = %s\nansible_local_tmp = %s\n' % (tmp, os.path.join(tmp, 'ansible')))
        env = dict(os.environ, GALAXY_IMPORTER_CONFIG=cfg, PATH=VBIN + os.pathsep + os.environ.get('PATH', ''))
        for key in ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_CONFIG'):
            env.pop(key, None)
        checked, note = with_repository(path, tmp)
        proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', checked], cwd=tmp, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    print(proc.stdout, end='')
    if note:
        print(note)
    bad = findings(proc.stdout)
    done = 'Collection loading complete' in proc.stdout or 'Importer processing completed successfully' in proc.stdout
    if proc.returncode != 0 or bad or not done:
        print('galaxy-importer: FAILED (exit %d, %d warning/error lines%s)'
              % (proc.returncode, len(bad), '' if done else ', import not reported complete'))
        for line in bad:
            print('  ' + line)
        return 1
    print('galaxy-importer: %s imports with no warning or error' % os.path.basename(path))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as a user gets it: the tarball `make build` makes, installed into a throw-away
collections path, run from a scratch directory with a user's environment (tests/integration/test_box.py).

Nothing here reaches into the checkout but the build itself: the playbooks, examples and docs a test
uses are read from the installed collection or the tarball, so a file that `build_ignore` drops is
missing here as it is for the user.
"""

import dataclasses
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
NAMESPACE, NAME = 'landingzone', 'openstack'
FQCN = '%s.%s' % (NAMESPACE, NAME)


@dataclasses.dataclass
class Run:
    """One command of a user: its arguments, the directory it ran in, its exit code and output."""
    args: list
    cwd: str
    rc: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    @property
    def output(self):
        return self.stdout + self.stderr

    def tail(self, chars=3000):
        return '%s (in %s): rc %d in %.1f s\n%s' % (' '.join(self.args), self.cwd, self.rc, self.seconds, self.output[-chars:])

    def recap(self):
        """PLAY RECAP: host -> {'ok': n, 'changed': n, 'failed': n, ...}."""
        out = {}
        for host, counters in re.findall(r'^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$', self.stdout, re.M):
            out[host] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counters))
        return out

    def shown(self, task, host):
        """The ``msg`` a debug task printed for ``host`` (the default callback's JSON after ``=>``)."""
        header = self.stdout.find('TASK [%s]' % task)
        assert header >= 0, 'no task %r in\n%s' % (task, self.tail())
        start = self.stdout.find('ok: [%s] => {' % host, header)
        assert start >= 0, 'task %r printed nothing for %s\n%s' % (task, host, self.tail())
        start = self.stdout.index('{', start)
        end = self.stdout.index('\n}', start) + 2
        return json.loads(self.stdout[start:end])['msg']


@dataclasses.dataclass(frozen=True)
class Box:
    """The built tarball and where it is installed."""
    tarball: str
    collections_path: str        # the only ANSIBLE_COLLECTIONS_PATH of every run
    members: frozenset           # the tarball's file names

    @property
    def installed(self):
        return os.path.join(self.collections_path, 'ansible_collections', NAMESPACE, NAME)

    def shipped(self, path):
        """The text of a file of the tarball."""
        with tarfile.open(self.tarball) as tar:
            return tar.extractfile(path).read().decode('utf-8')

    def user_env(self, home, **extra):
        """A user's shell: this venv's tools on PATH, a HOME of their own, the clouds.yaml of the local
        cloud, the installed collection; no ANSIBLE_* or LZ_* of the test run (an ``extra`` of None removes a variable)."""
        env = dict(PATH=BIN + os.pathsep + '/usr/bin:/bin', HOME=home, LANG='C.UTF-8',
                   ANSIBLE_COLLECTIONS_PATH=self.collections_path, ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCALHOST_WARNING='false')
        if os.environ.get('OS_CLIENT_CONFIG_FILE'):
            env['OS_CLIENT_CONFIG_FILE'] = os.environ['OS_CLIENT_CONFIG_FILE']
        env.update(extra)
        return dict((k, v) for k, v in env.items() if v is not None)

    def run(self, args, cwd, home, timeout=900, **extra_env):
        """Run a command of the venv's bin (``ansible-playbook``, ...) as the user would, in ``cwd``."""
        os.makedirs(home, exist_ok=True)
        args = [str(a) for a in args]
        started = time.monotonic()
        proc = subprocess.run([os.path.join(BIN, args[0])] + args[1:], cwd=cwd, env=self.user_env(home, **extra_env),
                              capture_output=True, text=True, timeout=timeout, check=False)
        return Run(args, str(cwd), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def build(root):
    """Build the tarball as `make build` does (from the checkout), install it with ``-p`` into
    ``<root>/collections`` and prove that this install, and only it, is what Ansible finds."""
    dist, collections, home = (os.path.join(root, d) for d in ('dist', 'collections', 'home'))
    os.makedirs(home)
    box = Box('', collections, frozenset())
    made = box.run(['ansible-galaxy', 'collection', 'build', '--force', '--output-path', dist], CHECKOUT, home)
    assert made.rc == 0, made.tail()
    [tarball] = glob.glob(os.path.join(dist, '%s-%s-*.tar.gz' % (NAMESPACE, NAME)))
    installed = box.run(['ansible-galaxy', 'collection', 'install', tarball, '-p', collections], root, home)
    assert installed.rc == 0, installed.tail()
    with tarfile.open(tarball) as tar:
        members = frozenset(m.name for m in tar.getmembers() if m.isfile())
    box = Box(tarball, collections, members)
    listed = box.run(['ansible-galaxy', 'collection', 'list', FQCN, '--format', 'json'], root, home)
    assert listed.rc == 0, listed.tail()
    where = [path for path, found in json.loads(listed.stdout).items() if FQCN in found]
    assert where == [os.path.join(collections, 'ansible_collections')], where
    assert not os.path.islink(box.installed)
    assert not os.path.realpath(box.installed).startswith(os.path.realpath(CHECKOUT) + os.sep)
    return box


def copy_tree(box_path, target):
    """Copy a directory of the installed collection (``examples/inventory``) as ``cp -r`` does."""
    shutil.copytree(box_path, target, symlinks=True)
    return target


def edit(path, old, new):
    """Change one line of a file as a user does in an editor: ``old`` must be there exactly once."""
    with open(path) as fh:
        text = fh.read()
    assert text.count(old) == 1, '%r appears %d times in %s' % (old, text.count(old), path)
    with open(path, 'w') as fh:
        fh.write(text.replace(old, new))


# -- references from the shipped Markdown to files -------------------------------------------------

# the top-level directories of the repository: a path starting with one of them names a file of
# the collection (or of the checkout only, which is the defect)
TOP_DIRS = ('bench', 'changelogs', 'docs', 'examples', 'extensions', 'meta', 'playbooks', 'plugins',
            'roles', 'schemas', 'tests')
PATH_IN_CODE = re.compile(r'(?<![\w./~-])((?:%s)/[\w./*-]*)' % '|'.join(TOP_DIRS))
CODE_SPAN = re.compile(r'`([^`\n]+)`')
LINK = re.compile(r'\]\(([^)\s]+)\)')


def doc_references(markdown_name, text):
    """(line number, reference, path in the collection) of each file a Markdown file points at: paths
    under the repository's top-level directories in code spans and fenced blocks (relative to the
    collection root), and relative links (relative to the Markdown file)."""
    out, fenced = [], False
    base = os.path.dirname(markdown_name)
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith('```'):
            fenced = not fenced
            continue
        code = [line] if fenced else CODE_SPAN.findall(line)
        for span in code:
            for ref in PATH_IN_CODE.findall(span):
                out.append((number, ref, ref.split('::')[0].rstrip('.')))
        if not fenced:
            for target in LINK.findall(CODE_SPAN.sub('', line)):
                if re.match(r'^[a-z]+:|^#', target):
                    continue
                path = os.path.normpath(os.path.join(base, target.split('#')[0]))
                out.append((number, target, path))
    return out


def missing_references(box):
    """Every reference of a shipped Markdown file to a file or directory the tarball lacks."""
    directories = set()
    for member in box.members:
        parts = member.split('/')
        directories.update('/'.join(parts[:i]) for i in range(1, len(parts)))
    missing = []
    for name in sorted(m for m in box.members if m.endswith('.md')):
        for number, ref, path in doc_references(name, box.shipped(name)):
            path = path.rstrip('/')
            if '*' in path:
                pattern = re.compile('^' + re.escape(path).replace(r'\*', '[^/]*') + '$')
                found = any(pattern.match(m) for m in box.members)
            else:
                found = path in box.members or path in directories
            if not found:
                missing.append('%s:%d: %s' % (name, number, ref))
    return missing


# -- Keystone clean-up of a scenario ----------------------------------------------------------------

def forget_workspaces(conn, workspaces):
    """Delete what a scenario's runs made for ``workspaces``: groups, projects, per-workspace domains."""
    groups = conn.identity.get('/groups').json()['groups']
    for ws in workspaces:
        for group in groups:
            if (group.get('lz_tenant') or '').startswith(ws + '/'):
                conn.identity.delete_group(group['id'], ignore_missing=True)
        for project in conn.identity.projects(tags='lz-ws=%s' % ws):
            conn.identity.update_project(project, is_enabled=False)
            conn.identity.delete_project(project, ignore_missing=True)
        domain = conn.identity.find_domain('lz-%s' % ws)
        if domain is not None:
            for group in conn.identity.groups(domain_id=domain.id):
                conn.identity.delete_group(group)
            for project in conn.identity.projects(domain_id=domain.id):
                conn.identity.update_project(project, is_enabled=False)
                conn.identity.delete_project(project)
            conn.identity.update_domain(domain, is_enabled=False)
            conn.identity.delete_domain(domain)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: workspaces
short_description: Load one YAML file per workspace into the inventory variable workspaces
version_added: 0.1.0
author:
  - landingzone.openstack maintainers (@landingzone)
description:
  - Reads every C(*.yml) and C(*.yaml) file under a directory beside the inventory (default
    C(workspaces/), subdirectories included, hidden files skipped), each holding one workspace
    (C(identifier), C(name), C(tags), C(projects)), and sets on the group C(all) the variable
    C(workspaces), the list of them in path order, as the single-list form of C(group_vars) does.
    Landing zones and platform settings stay in C(group_vars).
  - It also sets C(lz_workspaces_text), the same list as one JSON text, which the role C(landingzone.openstack.replicate)
    passes to its steps (ansible-core copies a structure of thousands of tenants into each task that names it, a
    text it passes as it is), and C(lz_workspace_files) (the files, their identifiers, the loader's problems). The
    roles pass it to the modules as O(landingzone.openstack.inventory_validate#module:workspace_files),
    so that errors name the file and the path inside it, for example the file C(workspaces/shop.yml)
    and the path C(projects[0].bindings[2].role).
  - The plugin does not validate workspaces; the modules do, before any API call. It reports what only
    the files can get wrong, as validation errors (an empty file, a file that is not a mapping, a file
    that cannot be parsed, an identifier that is not the file name). One identifier in two files is the
    validator's duplicate error, naming both files. It never fails the inventory, so that the
    C(landingzone.openstack.validate) playbook lists every error at once.
  - The files are data, not templates; Jinja in a workspace file is never evaluated, so a team that
    owns a file cannot run code on the controller.
  - The files are read with PyYAML's safe loader, as plain data (on ansible-core 2.19 and later this makes
    passing a large inventory to each task several times cheaper than data read by Ansible's loader, which
    tags every value with its origin). A file only Ansible's loader reads right (vault-encrypted, with a tag
    such as C(!unsafe), with a key twice, or that cannot be parsed) is read by Ansible's loader as before.
  - When the inventory source is a directory, Ansible reads every file in it as an inventory source;
    keep C(workspaces/) out of that with C([inventory] ignore_patterns = ^workspaces$) in C(ansible.cfg)
    (or pass the hosts file, not the directory, with C(-i)).
  - With no such directory the plugin sets nothing and the single-list C(workspaces) works as before.
    Setting both is an error reported by the validation (Ansible would keep one of them silently).
  - Like every vars plugin shipped in a collection it must be enabled, for example in C(ansible.cfg)
    C([defaults] vars_plugins_enabled = host_group_vars,landingzone.openstack.workspaces).
    See C(docs/onboarding.md).
options:
  directory:
    description:
      - The directory of workspace files, relative to the inventory source's directory (or absolute).
    type: str
    default: workspaces
    ini:
      - section: landingzone_openstack_workspaces
        key: directory
    env:
      - name: LZ_WORKSPACES_DIR
  cache_dir:
    description:
      - A directory where the plugin keeps what it read of each workspace file, so that a later run reads again only
        the files that changed (their size, modification and change times, inode). Reading 10,000 tenants' files
        took 1.1-2.4 s of every run, the cached ones about 0.1 s (C(docs/scale.md)); it pays on a controller that
        runs the same inventory again and again, such as event-triggered one-workspace runs, not in a fresh AWX
        execution environment.
      - Unset (the default), nothing is kept. The directory is created with mode C(0700) and the files with C(0600);
        a cache file another user owns is not read. A file that only Ansible's loader reads right (a vault, a tag, a
        key twice, an error), one whose data JSON cannot hold exactly (a date), and one changed in the last
        seconds are read every run.
    type: path
    version_added: 0.2.0
    ini:
      - section: landingzone_openstack_workspaces
        key: cache_dir
    env:
      - name: LZ_WORKSPACES_CACHE_DIR
  stage:
    ini:
      - section: landingzone_openstack_workspaces
        key: stage
    env:
      - name: LZ_WORKSPACES_STAGE
extends_documentation_fragment:
  - ansible.builtin.vars_plugin_staging
'''

EXAMPLES = r'''
# ansible.cfg
#   [defaults]
#   vars_plugins_enabled = host_group_vars,landingzone.openstack.workspaces
#
# inventory/
#   hosts.yml                     the platforms
#   group_vars/all/landing_zones.yml
#   workspaces/shop.yml           identifier: shop
#   workspaces/data/analytics.yml identifier: analytics (subdirectories are read too)
#
#   ansible-playbook -i inventory/ landingzone.openstack.validate
'''

import datetime
import gc
import hashlib
import json
import os
import tempfile
import time

import yaml

from ansible.errors import AnsibleError
from ansible.inventory.group import Group
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.vars import BaseVarsPlugin
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.files import (
    is_workspace_file,
    merge_files,
)

# Before ansible-core 2.19 loaded data is templated unless marked unsafe; from 2.19 on it is not
# trusted as a template unless the loader is told so.
if tuple(int(p) for p in ansible_version.split('.')[:2]) < (2, 19):
    from ansible.utils.unsafe_proxy import wrap_var as _as_data
else:
    def _as_data(value):
        return value

# PyYAML's C loader where it is built (the pure one otherwise): plain data, no origin tags.
_FAST_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
VAULT_HEADER = '$ANSIBLE_VAULT'


class DuplicateKey(yaml.YAMLError):
    pass


class NotPlain(Exception):
    """A file only Ansible's loader reads right."""


_STR_TAG = 'tag:yaml.org,2002:str'
_SEQ_TAG = 'tag:yaml.org,2002:seq'
_MAP_TAG = 'tag:yaml.org,2002:map'


def _build(loader, node, built):
    """The plain data of ``node``: strings, lists and mappings built directly, other scalars (numbers, dates, other
    tags) by PyYAML's safe constructors. PyYAML's own construction of nested data, through generators, took two
    thirds of reading 10,000 tenants' files (docs/scale.md). ``built``: the lists and mappings built so far, by node
    id (an alias is the same object, as PyYAML gives it). A mapping with a key twice, or a key that is no string,
    number or null, raises ``DuplicateKey``; a list or mapping under another tag (``!!omap``, ``!!set``) is left to
    Ansible's loader, whose construction of what it holds checks keys as Ansible does."""
    if id(node) in built:
        return built[id(node)]
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
    if node.tag == _SEQ_TAG and isinstance(node, yaml.SequenceNode):
        value = built[id(node)] = []
        value.extend([_build(loader, item, built) for item in node.value])
        return value
    if node.tag == _MAP_TAG and isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)   # merge keys (<<) first: an explicit key may override a merged one
        value = built[id(node)] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, built)
            # a key twice, also one merged and one explicit, and an unhashable key (a list): Ansible's loader
            # says what it makes of them
            if not (isinstance(key, (str, int, float)) or key is None) or key in value:
                raise DuplicateKey('a key twice in one mapping')
            value[key] = _build(loader, value_node, built)
        return value
    raise yaml.constructor.ConstructorError(None, None, 'a %s only Ansible\'s loader builds' % node.tag,
                                            node.start_mark)


class _PlainLoader(_FAST_LOADER):
    """A safe loader that refuses a mapping with a key twice (``DuplicateKey``): such a file goes to
    Ansible's loader, which warns or fails as DUPLICATE_YAML_DICT_KEY says."""

    def construct_document(self, node):
        return _build(self, node, {})


def _json_default(value):
    """A YAML date or time in a workspace file, as the text Ansible's own JSON encoding gives it."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def load_plain(path):
    """The file's data as plain Python objects; ``NotPlain`` when only Ansible's loader reads it right
    (a vault, a tag such as ``!unsafe``, a key twice, a syntax error: its message names the position).

    Ansible's loader tags every value with its origin; on ansible-core 2.19 those tags made templating
    the workspaces into each task's arguments cost 2-3x the CPU (issue 29, docs/scale.md). The files
    are data, never templates, so the origin is not needed once a file parsed."""
    with open(path, 'rb') as handle:
        text = handle.read()
    if text.lstrip().startswith(VAULT_HEADER.encode()):
        raise NotPlain(path)
    try:
        return yaml.load(text, Loader=_PlainLoader)  # nosec: a safe loader
    except yaml.YAMLError as exc:
        raise NotPlain(path) from exc


# From this size of the workspaces' JSON text (about 2,000 tenants) the data read is frozen (``gc.freeze``).
FREEZE_TEXT_BYTES = 1000000

# Per directory for the life of the process, as host_group_vars caches: Ansible asks for the
# variables of every host many times per run.
_LOADED = {}


def _position(exc):
    """'line L, column C: ' of a YAML error: ansible-core 2.19+ keeps the origin of the error in ``obj``
    (``line_num``/``col_num``), earlier ones an object with ``ansible_pos`` (file, line, column); the
    YAML parser's mark (0-based) otherwise. Empty when none of them says."""
    origin = getattr(exc, 'obj', None)
    line, column = getattr(origin, 'line_num', None), getattr(origin, 'col_num', None)
    if line is None and isinstance(getattr(origin, 'ansible_pos', None), tuple):
        line, column = origin.ansible_pos[1:3]
    if line is None:
        mark = getattr(getattr(exc, 'orig_exc', None) or exc.__cause__, 'problem_mark', None)
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
    if line is None:
        return ''
    return 'line %s, column %s: ' % (line, column) if column else 'line %s: ' % line


def _read(loader, path, shown, cache=None):
    """(shown, data, problem) of one file: plain data when it can be (from ``cache`` when the file did not change),
    else as Ansible's loader reads it."""
    stamp = None
    if cache is not None:
        # the file's stamp before it is read: a change while it is read makes the next run read it again
        found, stamp = cache.get(shown, path)
        if found is not None:
            return shown, _as_data(found), None
    try:
        data = load_plain(path)
    except NotPlain:
        pass
    else:
        if stamp is not None:
            cache.put(shown, stamp, data)
        return shown, _as_data(data), None
    try:
        return shown, _as_data(loader.load_from_file(path, cache='none', unsafe=True)), None
    except AnsibleError as exc:
        message = to_native(exc.message if hasattr(exc, 'message') else exc)
        return shown, None, '%s%s' % (_position(exc), message)


# What a cached file's data depends on besides the file: this plugin's way of reading and PyYAML's.
CACHE_FORMAT = 'landingzone.openstack.workspaces/1 PyYAML/%s' % yaml.__version__
# A file modified this recently (nanoseconds) is not cached: a second write within the file system's timestamp
# granularity could leave its size and times as they were (git's "racily clean" entries).
RECENT_NS = 2 * 10 ** 9


def _stamp(path):
    """What tells that a file changed: its size, modification and change times, inode and device."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class FilesCache:
    """The plain data of a directory's workspace files as read by an earlier run (the ``cache_dir`` option): one JSON
    file per directory in ``cache_dir``, named after its real path; an entry is used only while the file's ``_stamp``
    is the same. A cache that cannot be read is read as empty; one that cannot be written is said once."""

    def __init__(self, cache_dir, root):
        self.path = os.path.join(cache_dir, hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:32] + '.json')
        self.cache_dir = cache_dir
        self.old = self._load()
        self.new = {}
        self.changed = False

    def _load(self):
        try:
            with open(self.path, 'rb') as handle:
                if os.fstat(handle.fileno()).st_uid != os.getuid():
                    Display().warning('landingzone.openstack.workspaces: %s belongs to another user, not read'
                                      % self.path)
                    return {}
                cached = json.load(handle)
        except (OSError, ValueError) as exc:
            if not isinstance(exc, FileNotFoundError):
                Display().vvv('landingzone.openstack.workspaces: cache %s not read: %s' % (self.path, exc))
            return {}
        if not isinstance(cached, dict) or cached.get('format') != CACHE_FORMAT or \
                not isinstance(cached.get('files'), dict):
            return {}
        return cached['files']

    def get(self, shown, path):
        """(the cached data or None, the file's stamp now or None)."""
        entry = self.old.get(shown)
        try:
            stamp = _stamp(path)
        except OSError:
            return None, None
        if isinstance(entry, dict) and entry.get('stamp') == stamp:
            self.new[shown] = entry
            return entry.get('data'), stamp
        return None, stamp

    def put(self, shown, stamp, data):
        """Keep ``data``, read after the file had ``stamp``, unless JSON cannot hold it exactly or it is recent."""
        recent = time.time_ns() - RECENT_NS
        if stamp[1] > recent or stamp[2] > recent:
            return
        try:
            text = json.dumps(data)
        except (TypeError, ValueError):   # a date: read again each run
            return
        if json.loads(text) != data:      # a number or null as a key, NaN: read again each run
            return
        self.new[shown] = dict(stamp=stamp, data=data)
        self.changed = True

    def save(self):
        """Write the entries of this run's files if an entry was added or dropped (a file gone, changed or no longer
        cacheable); a file read every run (a date, a vault) does not rewrite the cache."""
        if not self.changed and set(self.new) == set(self.old):
            return
        try:
            os.makedirs(self.cache_dir, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.cache_dir, prefix='.workspaces-', suffix='.tmp')
            try:
                with os.fdopen(handle, 'w') as out:
                    json.dump(dict(format=CACHE_FORMAT, files=self.new), out)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, TypeError, ValueError) as exc:
            Display().warning('landingzone.openstack.workspaces: the cache_dir %s could not be written (%s); '
                              'the workspace files are read in full each run' % (self.cache_dir, exc))


class VarsModule(BaseVarsPlugin):

    # a collection's vars plugin runs only when enabled (vars_plugins_enabled); REQUIRES_ENABLED is ignored
    is_stateless = True

    def get_vars(self, loader, path, entities, cache=True):
        super(VarsModule, self).get_vars(loader, path, entities)
        if not isinstance(entities, list):
            entities = [entities]
        if not any(isinstance(e, Group) and e.name == 'all' for e in entities):
            return {}
        base = path if os.path.isdir(path) else os.path.dirname(path)
        setting = self.get_option('directory')
        root = os.path.join(base, setting)
        if not os.path.isdir(root):
            return {}
        key = os.path.realpath(root)
        if not cache or key not in _LOADED:
            _LOADED[key] = self._load(loader, root, setting)
        return _LOADED[key]

    def _load(self, loader, root, setting):
        # the files of 10,000 tenants are millions of objects and no cycle: the cyclic garbage collector, walking them
        # again and again while they are read, took 0.5 s of 2 s (docs/scale.md); it runs again once they are read
        collecting = gc.isenabled()
        gc.disable()
        try:
            found = self._read_all(loader, root, setting, self.get_option('cache_dir'))
        finally:
            if collecting:
                gc.enable()
        if len(found['lz_workspaces_text']) >= FREEZE_TEXT_BYTES:
            # they live as long as the run: kept out of every later collection, in ansible-playbook and in each task's
            # worker process forked from it (0.4-0.9 s of CPU of a one-workspace run at 10,000 tenants)
            gc.freeze()
        return found

    def _read_all(self, loader, root, setting, cache_dir=None):
        cache = FilesCache(cache_dir, root) if cache_dir else None
        entries = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in sorted(filenames):
                if not is_workspace_file(name):
                    continue
                full = os.path.join(dirpath, name)
                # shown as the author knows it: the directory setting, then the path below it
                shown = os.path.normpath(os.path.join(setting, os.path.relpath(full, root)))
                entries.append(_read(loader, full, shown, cache))
        if cache is not None:
            cache.save()
        workspaces, files = merge_files(setting, entries)
        # the same list as one JSON text: the replicate role passes it to its steps as it is (ansible-core templates a
        # structure into every task that names it, seconds each at thousands of tenants: docs/scale.md)
        return dict(workspaces=workspaces, lz_workspace_files=files,
                    lz_workspaces_text=_as_data(json.dumps(workspaces, default=_json_default)))

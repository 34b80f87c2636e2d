# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atomic_write: a reader sees the old file or the new one, never half of one, and no litter."""

import os

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _files
from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write

OLD = 'old report\nline 2\n'
NEW = 'new report\n' * 1000


def read(path):
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8')


def listing(directory):
    return sorted(os.listdir(str(directory)))


def test_writes_the_text(tmp_path):
    target = tmp_path / 'report.csv'
    atomic_write(str(target), 'a,b\n1,2\n')
    assert read(target) == 'a,b\n1,2\n'
    assert listing(tmp_path) == ['report.csv']


def test_writes_utf8_and_keeps_line_endings(tmp_path):
    target = tmp_path / 'report.txt'
    atomic_write(str(target), 'caf\u00e9\r\nna\u00efve\n')
    assert target.read_bytes() == b'caf\xc3\xa9\r\nna\xc3\xafve\n'


def test_writes_empty_text(tmp_path):
    target = tmp_path / 'empty'
    target.write_text(OLD)
    atomic_write(str(target), '')
    assert target.read_bytes() == b''


def test_replaces_an_existing_file(tmp_path):
    target = tmp_path / 'report.csv'
    target.write_text(OLD)
    atomic_write(str(target), NEW)
    assert read(target) == NEW
    assert listing(tmp_path) == ['report.csv']


def test_replaces_a_longer_file_completely(tmp_path):
    target = tmp_path / 'report.csv'
    target.write_text(NEW)
    atomic_write(str(target), 'short\n')
    assert read(target) == 'short\n'


def test_other_files_in_the_directory_are_untouched(tmp_path):
    (tmp_path / 'other').write_text('keep')
    atomic_write(str(tmp_path / 'report'), NEW)
    assert listing(tmp_path) == ['other', 'report']
    assert (tmp_path / 'other').read_text() == 'keep'


def test_failing_move_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / 'report.csv'
    target.write_text(OLD)
    seen = []

    def move(src, dst):
        seen.append(src)
        assert os.path.exists(src)  # the temporary file is there while moving...
        raise OSError('disk on fire')
    with pytest.raises(OSError, match='disk on fire'):
        atomic_write(str(target), NEW, move=move)
    assert read(target) == OLD
    assert listing(tmp_path) == ['report.csv']
    assert not os.path.exists(seen[0])  # ...and gone after the failure


def test_failing_move_of_a_new_file_leaves_nothing(tmp_path):
    def move(src, dst):
        raise OSError('read-only file system')
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / 'report.csv'), NEW, move=move)
    assert listing(tmp_path) == []


def test_module_fail_json_in_move_also_cleans_up(tmp_path):
    # AnsibleModule.atomic_move ends the module through fail_json (SystemExit) on failure.
    target = tmp_path / 'report.csv'
    target.write_text(OLD)

    def move(src, dst):
        raise SystemExit(1)
    with pytest.raises(SystemExit):
        atomic_write(str(target), NEW, move=move)
    assert read(target) == OLD
    assert listing(tmp_path) == ['report.csv']


def test_failure_while_writing_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / 'report.csv'
    target.write_text(OLD)
    moves = []

    def fsync(fd):
        raise OSError('EIO')
    monkeypatch.setattr(_files.os, 'fsync', fsync)
    with pytest.raises(OSError, match='EIO'):
        atomic_write(str(target), NEW, move=lambda src, dst: moves.append((src, dst)))
    monkeypatch.undo()
    assert moves == []  # a file that was not fully written is never moved into place
    assert read(target) == OLD
    assert listing(tmp_path) == ['report.csv']


def test_unencodable_text_leaves_the_old_file(tmp_path):
    target = tmp_path / 'report.csv'
    target.write_text(OLD)
    with pytest.raises(UnicodeEncodeError):
        atomic_write(str(target), 'lone surrogate \udc80')
    assert read(target) == OLD
    assert listing(tmp_path) == ['report.csv']


def test_creates_missing_directories(tmp_path):
    target = tmp_path / 'a' / 'b' / 'c' / 'report.json'
    atomic_write(str(target), '{}')
    assert read(target) == '{}'
    assert listing(target.parent) == ['report.json']


def test_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    atomic_write('out/report.txt', 'x')
    assert read(tmp_path / 'out' / 'report.txt') == 'x'
    atomic_write('top.txt', 'y')
    assert read(tmp_path / 'top.txt') == 'y'
    assert listing(tmp_path) == ['out', 'top.txt']


def test_move_receives_a_temp_path_beside_the_target(tmp_path):
    target = tmp_path / 'sub' / 'report.csv'
    calls = []

    def move(src, dst):
        with open(src, encoding='utf-8') as handle:
            calls.append((src, dst, handle.read()))
        os.replace(src, dst)
    atomic_write(str(target), NEW, move=move)
    assert len(calls) == 1
    src, dst, content = calls[0]
    assert dst == str(target)
    assert os.path.dirname(src) == str(target.parent)  # same directory: the move is a rename
    assert src != dst
    assert content == NEW  # fully written (and flushed) before the move
    assert read(target) == NEW
    assert listing(target.parent) == ['report.csv']


def test_move_that_copies_leaves_no_temp_file(tmp_path):
    target = tmp_path / 'report.csv'

    def move(src, dst):
        with open(src, encoding='utf-8') as source, open(dst, 'w', encoding='utf-8') as dest:
            dest.write(source.read())
    atomic_write(str(target), NEW, move=move)
    assert read(target) == NEW
    assert listing(tmp_path) == ['report.csv']


def test_fsync_is_called_before_the_move(tmp_path, monkeypatch):
    events = []
    real_fsync = os.fsync

    def fsync(fd):
        events.append('fsync')
        real_fsync(fd)
    monkeypatch.setattr(_files.os, 'fsync', fsync)

    def move(src, dst):
        events.append('move')
        os.replace(src, dst)
    atomic_write(str(tmp_path / 'r'), 'x', move=move)
    assert events == ['fsync', 'move']


def test_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / 'report.json'
    path.write_text('old')
    os.chmod(str(path), 0o640)
    atomic_write(str(path), 'new')
    assert path.read_text() == 'new' and os.stat(str(path)).st_mode & 0o7777 == 0o640


def test_a_new_file_gets_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(str(tmp_path / 'new.json'), 'x')
    finally:
        os.umask(old)
    assert os.stat(str(tmp_path / 'new.json')).st_mode & 0o7777 == 0o644

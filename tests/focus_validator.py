# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The FinOps Foundation's focus-validator (FOCUS 1.2) on our focus.csv files.

    python tests/focus_validator.py FILE_OR_DIR...   # every focus*.csv found; exit 1 on any Fail

focus-validator 2.2.1 is the release that knows FOCUS 1.2; it needs Python >= 3.12, so it lives in
nox's venv of session ``focus_validator`` (noxfile.py; made by ``nox -s focus_validator
--install-only`` when a test in another venv asks first). It runs offline (``--block-download``:
the 1.2 rules ship in the package) from its site-packages directory (it opens
``focus_validator/rules/currency_codes.csv`` relative to the working directory), and it exits 0
even when rules fail, so the verdict is read from its ``Total: .. | Pass: .. | Fail: N`` line: a
missing line is a failure too.

One known defect of 2.2.1 is tolerated, by rule id and only with its parent passing: InvoiceId's
nullability is ``InvoiceId-C-003-C`` = OR(``C-004-C`` "MUST be null when the charge is on no
invoice", ``C-005-C`` "MUST NOT be null when it is"); the model gives the two branches no
condition, and the validator also scores each branch on its own, so every non-empty file fails
one of them (all null: C-005, none null: C-004, mixed: both). A file passes when Fail counts only
that one branch and C-003-C passed; any other failure fails it. Without the InvoiceId column
(only RECOMMENDED) seven InvoiceId rules fail instead.

A file with a header and no row (a period without charges, e.g. the demo's partial last month) is
listed as not validated: 2.2.1 fails nine allowed-value rules on any empty table (a header-only
copy of a passing file fails the same nine). The run still fails when no file has rows.
"""

import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOX_VENV = os.path.join(ROOT, '.nox', 'focus_validator')
VERSION = '1.2'
SUMMARY = re.compile(r'Total:\s*(\d+)\s*\|\s*Pass:\s*(\d+)\s*\|\s*Fail:\s*(\d+)')
RESULT = re.compile(r'^\S*\s*([A-Za-z]+-[A-Z]-\d{3}-[A-Z]): (PASS|FAIL|SKIPPED)', re.M)
# failed rule -> the rule that must have passed for the failure to be the known defect (docstring)
KNOWN_DEFECTS = {'InvoiceId-C-004-C': 'InvoiceId-C-003-C', 'InvoiceId-C-005-C': 'InvoiceId-C-003-C'}


class ValidatorError(RuntimeError):
    pass


def venv():
    """The venv holding focus-validator: this one (nox session focus_validator), else that session's (made once)."""
    for prefix in (sys.prefix, NOX_VENV):
        if site_packages(prefix):
            return prefix
    subprocess.check_call([sys.executable, '-m', 'nox', '-f', os.path.join(ROOT, 'noxfile.py'),
                           '-s', 'focus_validator', '--install-only'])
    if not site_packages(NOX_VENV):
        raise ValidatorError('focus_validator is not installed in %s' % NOX_VENV)
    return NOX_VENV


def site_packages(prefix):
    found = glob.glob(os.path.join(prefix, 'lib', 'python3.*', 'site-packages', 'focus_validator'))
    return os.path.dirname(found[0]) if found else None


def validate(path):
    """(total, passed, failed, output) of one file."""
    prefix = venv()
    proc = subprocess.run([os.path.join(prefix, 'bin', 'python'), '-m', 'focus_validator.main',
                           '--data-file', os.path.abspath(path), '--validate-version', VERSION, '--block-download'],
                          cwd=site_packages(prefix), capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    match = SUMMARY.search(output)
    if not match:
        raise ValidatorError('focus-validator printed no "Total | Pass | Fail" line for %s (rc %d):\n%s'
                             % (path, proc.returncode, output[-3000:]))
    total, passed, failed = (int(x) for x in match.groups())
    return total, passed, failed, output


def failures(output):
    """The failed rules of a validator output, one line each."""
    return [line.strip() for line in output.splitlines() if ': FAIL' in line]


def unexplained(output, failed):
    """How many of the ``failed`` rules are not the known defect (KNOWN_DEFECTS with its parent passed)."""
    status = dict(RESULT.findall(output))
    known = [rule for rule, parent in KNOWN_DEFECTS.items() if status.get(rule) == 'FAIL' and status.get(parent) == 'PASS']
    return failed - min(len(known), 1)


def files(args):
    out = []
    for arg in args:
        if os.path.isdir(arg):
            out.extend(sorted(glob.glob(os.path.join(arg, '**', 'focus*.csv'), recursive=True)))
        elif os.path.exists(arg):
            out.append(arg)
    return out


def has_rows(path):
    with open(path) as handle:
        return len(handle.readlines()) > 1


def main(argv):
    found = files(argv)
    with_rows = [path for path in found if has_rows(path)]
    for path in sorted(set(found) - set(with_rows)):
        print('focus-validator %s: header only, no row to validate (not counted)' % path)
    if not with_rows:
        print('focus-validator: no focus.csv with rows under %s' % ', '.join(argv))
        return 1
    bad = 0
    for path in with_rows:
        try:
            total, passed, failed, output = validate(path)
        except (ValidatorError, subprocess.CalledProcessError) as exc:
            print('focus-validator %s: ERROR %s' % (path, exc))
            bad += 1
            continue
        other = unexplained(output, failed)
        print('focus-validator FOCUS %s %s: Total: %d | Pass: %d | Fail: %d (%d other than the known InvoiceId '
              'defect)' % (VERSION, path, total, passed, failed, other))
        for line in failures(output):
            print('    ' + line[:300])
        bad += other > 0
    print('focus-validator: %d file(s) validated, %d with failures' % (len(with_rows), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code the tests share (not tests): importable as ``helpers`` because tests/pytest.ini puts tests/ on
sys.path. Fixtures live in the conftest.py files; plain functions and classes live here."""

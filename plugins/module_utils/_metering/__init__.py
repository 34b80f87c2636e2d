# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering: one listing per resource kind across all projects, into the ledger.

``records`` (pure: the per-kind table, API bodies -> observations and lifetimes), ``collect``
(reading: listings, projects, the run dict), ``runner`` (the openstack_metering_collect run).
"""

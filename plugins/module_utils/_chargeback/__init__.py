# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chargeback: the ledger rated into charges and usage hours, and the period reports.

``pricing`` (the price catalog and its validation), ``rating`` (intervals, meters, charges,
totals, corrections, and the usage hours of openstack_usage_info from the same intervals),
``reports`` (the period store, CSV, FOCUS CSV, files), ``html`` (the HTML page), ``runner``
(the openstack_chargeback and openstack_usage_info runs). Reads only the ledger; no cloud.
"""

#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_chargeback
short_description: Rate the usage ledger with a price catalog into per-period chargeback reports
version_added: 0.1.0
description:
  - Reads the usage ledger written by M(landingzone.openstack.openstack_metering_collect), turns the
    recorded resource states into usage intervals and charges with O(price_catalog), and writes the
    reports of the period under O(output_dir)/I(label) - C(line_items.csv), C(line_items.json),
    C(focus.csv) (FOCUS 1.2, see docs/chargeback.md) and C(report.html) (static, inline SVG charts).
  - "Intervals: a resource's life runs from its creation time (as the API reported it) to its
    deletion time, or, when a complete listing no longer showed it, to the midpoint between the last
    sample that saw it and that listing (C(price_catalog.vanished_end)); a still existing resource
    is billed up to its latest sample. Each state counts from the sample that first saw it to the
    next state. See docs/chargeback.md for the error bound."
  - A closed period (its end is in the past) is immutable - rating it again appends correction line
    items (C(ChargeClass=Correction)) for whatever changed, and changes nothing when nothing did.
    Each closed version's files have their sha256 recorded in the ledger (so the module needs the
    ledger's current schema and write access); O(verify) checks them later.
    An open period and the preview are rewritten each time.
  - "Coverage before close: a period whose end is past is closed (frozen) only when, on every platform
    rated, the ledger's complete collections (status V(ok)) cover it - one at or before its start,
    one at or after its end, no gap longer than O(max_collection_gap_hours) in between. Otherwise
    the module fails saying what is missing, or with O(allow_partial=true) rates it with status
    V(partial) and does not freeze it."
  - "Project monthly fees: billed only by the platform whose C(lz-platform) marker the project carries
    (platforms sharing one Keystone each see every project), from the project's first collection to
    the last one that saw it, as the exact fraction of each calendar month. Every rating returns the
    collections behind its figures (RV(collections), RV(notes)); see docs/chargeback.md."
  - Talks to no cloud. In check mode it rates and returns the figures but writes nothing.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  price_catalog:
    description:
      - The price catalog (inventory variable C(price_catalog)), validated before any work; every
        problem is reported with its path, for example C(price_catalog.prices[3].unit).
      - Keys C(currency), C(prices) (C(meter), C(unit), C(unit_price), optional C(flavor) or
        C(volume_type), C(effective_from), C(effective_to)), optional C(discounts) (C(workspace),
        C(percent), C(meters), C(effective_from), C(effective_to)), C(billed_server_states) and
        C(vanished_end). See docs/chargeback.md.
    type: dict
    required: true
  period:
    description:
      - The UTC calendar month to rate, C(YYYY-MM).
      - When none of O(period), O(start)/O(end) and O(preview) is given, the last complete month.
    type: str
  start:
    description:
      - Start of a window to rate instead of a month (ISO 8601 or a date, UTC). Needs O(end).
    type: str
  end:
    description:
      - End (exclusive) of the window. Needs O(start).
    type: str
  preview:
    description:
      - Rate the running month up to now (label C(YYYY-MM-preview)); never closed.
    type: bool
    default: false
  allow_partial:
    description:
      - Rate a period that is over but not covered by the ledger's complete collections, marked
        V(partial) and not frozen (rated again, it is rewritten), instead of failing.
    type: bool
    default: false
  verify:
    description:
      - Instead of rating, check the closed statement of the period under O(output_dir) - each file
        must have the sha256 the ledger recorded for its latest version, and re-rating the ledger
        must give its figures again. Fails, listing the problems, when either does not hold.
        Writes nothing.
    type: bool
    default: false
  budgets:
    description:
      - An optional budget per workspace - a mapping of workspace to amount per calendar month, in the
        catalog's currency (quote it, C('500.00')). The result, the JSON and the HTML carry used,
        remaining, a forecast to the month end and alerts (see O(budget_alert_thresholds)).
    type: dict
  budget_alert_thresholds:
    description:
      - Percentages of a budget that raise an alert when the cost reaches them (or, marked
        C(forecast), when only the forecast does). Default C([80, 100]).
    type: list
    elements: raw
  max_collection_gap_hours:
    description:
      - The longest time between two complete collections that still covers a period (hours).
    type: float
    default: 6.0
  billing:
    description:
      - Who bills whom, for the FOCUS columns and the statements. A closed period keeps the settings
        it was closed with.
    type: dict
    suboptions:
      provider_name:
        description: FOCUS ProviderName (1.3 ServiceProviderName), the platform that provides the services.
        type: str
        default: OpenStack platform
      publisher_name:
        description: FOCUS PublisherName; defaults to O(billing.provider_name).
        type: str
      invoice_issuer_name:
        description:
          - FOCUS InvoiceIssuerName, who issues the statements; defaults to O(billing.provider_name).
          - Set it apart from the provider only when a third party invoices (a reseller) - FOCUS then
            expects the provider's BilledCost to be 0, which these statements are not.
        type: str
      account_tag:
        description:
          - The Keystone project tag (C(key=value), from the inventory's workspace or project tags) whose value is
            the FOCUS BillingAccountId; a project without it is billed to its workspace.
        type: str
        default: cost-centre
  output_dir:
    description:
      - Directory under which each period gets its own directory of reports (created).
    type: path
    default: ~/.local/share/landingzone/chargeback
  focus_parquet:
    description:
      - Also write C(focus.parquet), the rows of C(focus.csv) as a typed Parquet file (decimal costs and
        quantities, UTC timestamps), part of the statement (its content hash is recorded at the close).
      - Needs the Python package C(pyarrow) where the module runs (an extra, not a dependency); without it
        the run fails before any work.
    type: bool
    default: false
  platforms:
    description:
      - Only these platforms of the ledger; all of them when not set.
    type: list
    elements: str
extends_documentation_fragment:
  - landingzone.openstack.ledger
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Rates the period and returns the figures; writes no file.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

EXAMPLES = r'''
# On the controller (hosts: localhost). lz_ledger_path, lz_chargeback_dir, price_catalog: inventory
# variables (examples/inventory/group_vars/all/price_catalog.yml is a catalog).
- name: Chargeback of a month (this one so far is open; a month over and covered by the ledger is closed, frozen)
  landingzone.openstack.openstack_chargeback:
    ledger_path: "{{ lz_ledger_path }}"          # e.g. /var/lib/landingzone/ledger.sqlite
    price_catalog: "{{ price_catalog }}"
    period: "{{ '%Y-%m' | strftime(utc=true) }}"  # or a month YYYY-MM, e.g. "2026-11"
    output_dir: "{{ lz_chargeback_dir }}"        # e.g. /var/lib/landingzone/chargeback
  register: chargeback

- name: Preview of the running month, one platform
  landingzone.openstack.openstack_chargeback:
    ledger_path: "{{ lz_ledger_path }}"
    price_catalog: "{{ price_catalog }}"
    output_dir: "{{ lz_chargeback_dir }}"
    preview: true
    platforms: [local]                           # platform (host) names of the inventory
'''

RETURN = r'''
status:
  description:
    - V(new) (a closed period rated for the first time), V(unchanged) (closed, nothing changed, no
      file written), V(corrected) (closed, correction items appended), V(open) (a period not yet
      over), V(partial) (over, not covered by the collections, rated with O(allow_partial), not
      frozen) or V(preview).
  returned: always
  type: str
period:
  description: The period rated - label, start, end (UTC), closed, preview.
  returned: always
  type: dict
directory:
  description: The period's report directory.
  returned: always
  type: str
files:
  description: The report files of the period (written unless check mode or V(unchanged)).
  returned: always
  type: list
  elements: str
totals:
  description:
    - Sums of the line items (decimal strings) - C(cost), C(list_cost), and C(by_workspace),
      C(by_project), C(by_service), C(by_meter), C(by_platform).
  returned: always
  type: dict
currency:
  description: The catalog's currency.
  returned: always
  type: str
line_items:
  description: Number of line items (originals and corrections).
  returned: always
  type: int
corrections:
  description: Correction items appended by this run.
  returned: always
  type: int
revisions:
  description: Revisions of the period (0 = the original rating), each with rated_at and corrections.
  returned: always
  type: list
  elements: dict
daily:
  description:
    - Cost per UTC day of the period (C(day), C(cost)), and C(collected) - false for a day without a
      complete collection of every platform rated (the HTML hatches it).
  returned: always
  type: list
  elements: dict
collections:
  description:
    - Per platform rated, the collections behind the figures - C(first_complete) and C(last_complete)
      (within the period), C(from_start) (one at or before the period start), C(complete), C(partial)
      (runs within the period) and C(partial_codes) (their remark codes), C(longest_gap) (C(hours),
      C(start), C(end)), C(days_without) (days without a complete collection).
  returned: always
  type: dict
notes:
  description:
    - Sentences on what the figures rest on - a first complete collection after the period start, a long
      gap, partial runs, and monthly fees not billed here. Also in the JSON and the HTML page.
  returned: always
  type: list
  elements: str
fees_not_billed:
  description:
    - Projects seen here whose monthly fee this platform does not bill - C(rule) C(other_platform) (charged here
      for resources; C(home) bills the fee) or C(no_platform_marker) (billed nowhere), with platform, project_id,
      workspace, project.
  returned: always
  type: list
  elements: dict
unpriced:
  description: Usage of priced kinds that no price of the catalog matched (kind, meter, selector, quantity_hours).
  returned: always
  type: list
  elements: dict
version:
  description: The statement's version - 0 for the first rating, n after the n-th correction.
  returned: always
  type: int
statement:
  description: What names the statement in the ledger - the period label and the platforms rated.
  returned: always
  type: str
hashes:
  description: The sha256 of each file written by this run (empty when nothing was written); recorded in the ledger for a closed period.
  returned: always
  type: dict
invoices:
  description: The InvoiceIds of a closed period (one per billing account, and per correction version).
  returned: always
  type: list
  elements: str
verified:
  description: With O(verify) - whether the statement is as it was closed.
  returned: when verify is true
  type: bool
problems:
  description: With O(verify) - what does not hold (a changed file, figures the ledger no longer gives).
  returned: when verify is true
  type: list
  elements: str
budgets:
  description:
    - Per workspace with a budget - monthly_amount, budget (for the period), used, remaining,
      used_percent, forecast (to the month end at the running rate), forecast_percent, alerts.
  returned: always
  type: dict
budget_alerts:
  description: The alerts of all workspaces (workspace, threshold, basis used or forecast, percents), for AWX notifications.
  returned: always
  type: list
  elements: dict
coverage:
  description:
    - What the ledger's complete collections miss of a period that is over, per platform (a list of
      sentences); empty when covered or not checked (open period, preview).
  returned: always
  type: dict
platforms:
  description: The platforms rated.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule


def main():
    module = LandingZoneModule(argument_spec=runner.CHARGEBACK_OPTIONS, ledger=True, **runner.CHARGEBACK_KWARGS)
    module.run(runner.run_chargeback, module)


if __name__ == '__main__':
    main()

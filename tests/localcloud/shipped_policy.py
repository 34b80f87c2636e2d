"""The metering account's policy overrides as the collection ships them
(plugins/module_utils/_metering/policy.py, standard library only), loaded by its path: the local
cloud's services write their policy.yaml with it, so every test of the cloud proves the shipped rules."""

import importlib.util
import subprocess
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "_metering" / "policy.py"


def _load():
    spec = importlib.util.spec_from_file_location("landingzone_shipped_policy", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


policy = _load()


def text(service, admin_project_id, defaults=None, origin="local cloud"):
    """The policy.yaml the collection's openstack_metering_policy writes for ``service``."""
    rules = policy.overrides(service, admin_project_id, defaults)
    return policy.policy_text(service, rules, f"{origin}, admin project {admin_project_id}, "
                                              f"{policy.method(service, defaults)}")


def installed_defaults(service, python):
    """The installed service's default rules, read as the module reads them (with subprocess here)."""
    def run(argv):
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
        return done.returncode, done.stdout, done.stderr
    return policy.installed_defaults(service, python, run)

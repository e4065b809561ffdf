"""Reading policy files (docs/policy-format.md) on the Python side.

Only what Python tools need before the plugin sees a file: that it is JSON
and an OptGym policy, and which decision kinds it names. The plugin checks
the rest and reports file:line:column.
"""

import json
from pathlib import Path
from typing import List


class PolicyFileError(ValueError):
    """A policy file that is missing, unreadable, not JSON or not a policy;
    the message starts with the path."""


def read_policy(path: Path) -> dict:
    """The policy document in ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileError("%s: no such file" % path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyFileError("%s: cannot read it: %s" % (path, error)) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyFileError(
            "%s:%d:%d: not JSON: %s" % (path, error.lineno, error.colno, error.msg)
        ) from None
    if not isinstance(document, dict) or document.get("format") != "optgym-policy":
        raise PolicyFileError('%s: not an OptGym policy (no "format": "optgym-policy")' % path)
    return document


def policy_kinds(document: dict) -> List[str]:
    """The decision kinds a policy answers, its alternatives' included."""
    kinds = set()
    for entry in [document] + list(document.get("alternatives") or []):
        decisions = entry.get("decisions", {}) if isinstance(entry, dict) else {}
        if isinstance(decisions, dict):
            kinds.update(decisions)
    return sorted(kinds)

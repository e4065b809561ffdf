"""The optgym package keeps its structure: no import cycles, no private
name used across modules, and the old names of renamed things still work
with a warning."""

from __future__ import annotations

import importlib
import tempfile
import textwrap
import unittest
import warnings
from pathlib import Path

from package_structure import Package, import_cycles, private_uses

SOURCE = Path(__file__).resolve().parents[2] / "utils" / "optgym"


def _fixture(files: dict) -> Package:
    root = Path(tempfile.mkdtemp(prefix="optgym-structure-")) / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return Package(root)


class OptGymPackageTest(unittest.TestCase):
    def setUp(self) -> None:
        self.package = Package(SOURCE)

    def test_reads_the_whole_package(self) -> None:
        self.assertIn("optgym.gym.env", self.package.trees)
        self.assertIn("optgym.gym.driver", self.package.graph()["optgym.gym.env"])

    def test_no_import_cycles(self) -> None:
        cycles = import_cycles(self.package)
        self.assertEqual(
            cycles, [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)
        )

    def test_no_private_names_across_modules(self) -> None:
        uses = private_uses(self.package)
        self.assertEqual(uses, [], "\n".join(map(str, uses)))


class CheckerTest(unittest.TestCase):
    """The checks find what they look for: a test that cannot fail proves
    nothing."""

    def test_finds_a_cycle_through_a_lazy_import_and_a_package(self) -> None:
        package = _fixture(
            {
                "__init__.py": "from .a import A\n",
                "a.py": "from ._version import V\nA = 1\ndef f():\n    from .sub import b\n",
                "_version.py": "V = 1\n",
                "sub/__init__.py": "",
                "sub/b.py": "from .. import A\n",
            }
        )
        self.assertEqual(import_cycles(package), [["pkg", "pkg.a", "pkg.sub.b"]])

    def test_ignores_type_checking_imports(self) -> None:
        package = _fixture(
            {
                "__init__.py": "",
                "a.py": "from .b import B\n",
                "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from .a import A\nB = 1\n",
            }
        )
        self.assertEqual(import_cycles(package), [])

    def test_finds_private_imports_and_attributes(self) -> None:
        package = _fixture(
            {
                "__init__.py": "",
                "a.py": "_helper = 1\nclass A:\n    def _run(self):\n        self._own = 1\n",
                "b.py": "from .a import _helper\nfrom . import a\n"
                "def f(x):\n    x._own\n    return a.A()._run()\n",
            }
        )
        self.assertEqual(
            [str(use) for use in private_uses(package)],
            [
                "pkg.b:1: uses _helper, private to another module",
                "pkg.b:4: uses _own, private to another module",
                "pkg.b:5: uses _run, private to another module",
            ],
        )


class DeprecatedNamesTest(unittest.TestCase):
    """Renamed public names keep working, with a DeprecationWarning that
    names the new place."""

    RENAMED = [
        ("optgym", "ValidationResult", "optgym.validation", "BuildValidation"),
        ("optgym.validation", "ValidationResult", "optgym.validation", "BuildValidation"),
        ("optgym.deploy", "BuildOutcome", "optgym.deploy.results", "VariantResult"),
        ("optgym.search.builds", "BuildOutcome", "optgym.search.builds", "ProgramBuild"),
        ("optgym.gym.driver", "Query", "optgym.gym.driver", "PendingChoice"),
        ("optgym.gym.driver", "private_directory", "optgym.gym.process", "private_directory"),
    ]

    def test_old_names(self) -> None:
        for module, old, new_module, new in self.RENAMED:
            with self.subTest(old=module + "." + old):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    value = getattr(importlib.import_module(module), old)
                self.assertIs(value, getattr(importlib.import_module(new_module), new))
                self.assertEqual(len(caught), 1)
                self.assertIs(caught[0].category, DeprecationWarning)
                self.assertIn("%s.%s" % (new_module, new), str(caught[0].message))

    #: Each module's public names before issue 14's restructuring.
    PUBLIC_BEFORE = {
        "optgym.deploy": [
            "DeployError",
            "Variant",
            "BuildOutcome",
            "DeployResult",
            "deploy",
            "default_policy",
            "default_program",
            "configure_parser",
            "run",
        ],
        "optgym.search.builds": [
            "BuildOutcome",
            "Decision",
            "ProgramBuilder",
            "misbehaviour",
            "policy_document",
            "read_trace",
        ],
        "optgym.gym.driver": [
            "AGENT_NAME",
            "KIND",
            "DriverConnection",
            "DriverCrashed",
            "DriverError",
            "DriverLauncher",
            "DriverProtocolError",
            "DriverStartError",
            "DriverTimeout",
            "Query",
            "private_directory",
        ],
        "optgym.benchmarks": ["Benchmark", "Reference", "count_ir_instructions"],
        "optgym.toolchain": ["Toolchain", "RunResult", "run_program", "plugin_llvm_major"],
        "optgym": ["ValidationResult", "Decision", "Query", "LlvmEnv", "make"],
    }

    def test_public_names_of_before_are_still_there(self) -> None:
        for module, names in self.PUBLIC_BEFORE.items():
            for name in names:
                with self.subTest(name=module + "." + name):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        self.assertTrue(hasattr(importlib.import_module(module), name))

    def test_the_warning_points_at_the_caller(self) -> None:
        import optgym

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            optgym.ValidationResult  # noqa: B018
        self.assertEqual(caught[0].filename, __file__)

    def test_unknown_names_still_raise(self) -> None:
        module = importlib.import_module("optgym.gym.driver")
        with self.assertRaises(AttributeError):
            module.NoSuchName  # noqa: B018


if __name__ == "__main__":
    unittest.main()

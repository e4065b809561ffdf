# lit configuration of OptGym's IR-in, FileCheck-out tests.
#
# Substitutions (RUN lines never spell a path):
#   %opt, %clang            the LLVM these tests were configured for
#   %optgym-opt             opt with the plugin loaded
#   %optgym-clang           clang with the plugin loaded
#   %plugin                 path of OptGym.so
#   %optgym-policy          the policy tool
#   %programs               datasets/programs (the bundled C programs)
#   %optgym-src             the source tree (test/python, utils/optgym)
#   %python                 the Python that runs lit
#   %optgym-cli             python -m optgym, from this source tree
# OPTGYM_* variables of the calling environment never reach the tests;
# OPTGYM_PLUGIN names this build's plugin.
import os
import shutil
import subprocess

import lit.formats
import lit.util

config.name = "OptGym"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ll", ".c", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.optgym_obj_root, "test", "lit")

llvm_bin = config.llvm_tools_dir
config.environment["PATH"] = os.path.pathsep.join(
    [llvm_bin, config.optgym_tools_dir, config.environment.get("PATH", "")])
for name in list(config.environment):
    if name.startswith("OPTGYM_"):
        del config.environment[name]
# The optgym package of this tree, whatever is installed, with the plugin of
# this build (not the first build it finds).
config.environment["OPTGYM_PLUGIN"] = config.optgym_plugin
config.environment["PYTHONPATH"] = os.path.pathsep.join(
    [os.path.join(config.optgym_source_dir, "utils"),
     config.environment.get("PYTHONPATH", "")])
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"

opt = os.path.join(llvm_bin, "opt")
clang = os.path.join(llvm_bin, "clang")
plugin = config.optgym_plugin
config.substitutions += [
    ("%optgym-opt", "%s -load-pass-plugin=%s" % (opt, plugin)),
    ("%optgym-clang", "%s -fpass-plugin=%s" % (clang, plugin)),
    ("%optgym-policy", os.path.join(config.optgym_tools_dir, "optgym-policy")),
    ("%plugin", plugin),
    ("%programs", os.path.join(config.optgym_source_dir, "datasets", "programs")),
    ("%optgym-src", config.optgym_source_dir),
    ("%optgym-cli", "%s -m optgym" % config.python_executable),
    ("%python", config.python_executable),
    ("%opt", opt),
    ("%clang", clang),
]
config.available_features.add("llvm-%d" % config.llvm_version_major)
# csmith (utils/setup.sh installs it) for tests on generated programs.
if shutil.which("csmith"):
    config.available_features.add("csmith")
# Debian's numpy and matplotlib (utils/setup.sh installs both) for the
# gym's numpy paths and the leaderboard's plot.
for module in ("numpy", "matplotlib"):
    if os.path.exists("/usr/bin/python3") and subprocess.run(
            ["/usr/bin/python3", "-c", "import " + module],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        config.available_features.add("debian-python-" + module)

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
#   %python                 the Python with the optgym package installed
#                           (the project's virtual environment, OPTGYM_PYTHON)
#   %optgym-cli             %python -m optgym
#   %mlir-opt               mlir-opt of the LLVM these tests were configured for
#   %optgym-mlir-opt        mlir-opt with OptGymMLIR.so loaded
#   %mlir-unroll-full       affine-loop-unroll's option for full unrolling
#                           (unroll-full=true on 19, unroll-factor=-1 on 22)
#   %mlir-lower             the pass pipeline that lowers an affine kernel to
#                           the LLVM dialect (inside builtin.module(...))
#   %mlir-lower-linalg      the same for a kernel with Linalg operations
#                           (and the subviews tiling makes)
#   %mlir-run               the runner (mlir-cpu-runner on 19, mlir-runner on
#                           22) running main with MLIR's runner libraries
# OPTGYM_* variables of the calling environment never reach the tests;
# OPTGYM_PLUGIN names this build's plugin.
import os
import shutil
import subprocess

import lit.formats
import lit.util

config.name = "OptGym"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ll", ".c", ".test", ".mlir"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.optgym_obj_root, "test", "lit")

llvm_bin = config.llvm_tools_dir
config.environment["PATH"] = os.path.pathsep.join(
    [llvm_bin, config.optgym_tools_dir, config.environment.get("PATH", "")]
)
for name in list(config.environment):
    if name.startswith("OPTGYM_"):
        del config.environment[name]
# The installed optgym package (utils/build.sh installs this tree in
# development mode), with the plugin of this build rather than the one it
# was installed with.
config.environment["OPTGYM_PLUGIN"] = config.optgym_plugin
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"

# A sanitized build (-DOPTGYM_SANITIZE=ON): opt, clang and mlir-opt are not
# sanitized, so the runtime is preloaded into every process. Reports go to
# files, counted by utils/sanitize.sh: an exit status alone would pass a
# `not` test. Leaks are not checked here, since LLVM's tools leave memory
# to the exit on purpose (the unit tests and fuzzers check ours).
if config.optgym_sanitizer_runtime:
    reports = os.path.join(config.optgym_obj_root, "sanitizer-reports", "report")
    config.environment["LD_PRELOAD"] = config.optgym_sanitizer_runtime
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:log_path=" + reports
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=" + reports
    config.available_features.add("sanitized")

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
# The MLIR plugin (utils/build.sh builds it; CMake's OPTGYM_MLIR=ON makes a
# missing MLIR an error): the tests of MLIR's decision points REQUIRES: mlir.
if config.optgym_mlir_plugin:
    config.available_features.add("mlir")
    mlir_opt = os.path.join(llvm_bin, "mlir-opt")
    # Before %opt, which is a prefix of %optgym-mlir-opt.
    config.substitutions[:0] = [
        ("%optgym-mlir-opt", "%s --load-pass-plugin=%s" % (mlir_opt, config.optgym_mlir_plugin)),
        ("%mlir-opt", mlir_opt),
        (
            "%mlir-unroll-full",
            "unroll-factor=-1" if config.llvm_version_major >= 22 else "unroll-full=true",
        ),
        (
            "%mlir-lower-linalg",
            "func.func(convert-linalg-to-loops,lower-affine,convert-scf-to-cf),"
            "expand-strided-metadata,lower-affine,convert-vector-to-llvm,"
            "finalize-memref-to-llvm,convert-arith-to-llvm,convert-func-to-llvm,"
            "convert-cf-to-llvm,reconcile-unrealized-casts",
        ),
        (
            "%mlir-lower",
            "func.func(lower-affine,convert-scf-to-cf),convert-vector-to-llvm,"
            "finalize-memref-to-llvm,convert-arith-to-llvm,convert-func-to-llvm,"
            "convert-cf-to-llvm,reconcile-unrealized-casts",
        ),
        (
            "%mlir-run",
            "%s -e main -entry-point-result=void -shared-libs=%s"
            % (
                os.path.join(
                    llvm_bin,
                    "mlir-runner" if config.llvm_version_major >= 22 else "mlir-cpu-runner",
                ),
                ",".join(
                    os.path.join(config.optgym_mlir_lib_dir, name)
                    for name in ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so")
                ),
            ),
        ),
    ]
# `lit --param quick=1` (utils/test.sh --quick): the tests that take more
# than about 15 seconds say UNSUPPORTED: quick and are left out.
if lit_config.params.get("quick"):
    config.available_features.add("quick")
# csmith (utils/setup.sh installs it) for tests on generated programs.
if shutil.which("csmith"):
    config.available_features.add("csmith")
# The optgym package must import in %python: without it every test that
# runs optgym would fail for a reason the output buries.
probe = subprocess.run(
    [config.python_executable, "-c", "import optgym"],
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
    text=True,
)
if probe.returncode != 0:
    lit_config.fatal(
        "%s cannot import optgym (run utils/setup.sh and utils/build.sh): %s"
        % (config.python_executable, probe.stdout.strip()[-500:])
    )

# The GoogleTest unit tests of the oracle layer, run by lit.
import lit.formats

config.name = "OptGym-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.optgym_unit_dir
config.test_exec_root = config.optgym_unit_dir

# A sanitized build: reports to files as in test/lit, leaks included (the
# unit tests hold no LLVM tool that leaves memory to the exit).
if config.optgym_sanitizer_reports:
    config.environment["ASAN_OPTIONS"] = "log_path=" + config.optgym_sanitizer_reports
    config.environment["UBSAN_OPTIONS"] = (
        "print_stacktrace=1:log_path=" + config.optgym_sanitizer_reports
    )

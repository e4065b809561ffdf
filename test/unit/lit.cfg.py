# The GoogleTest unit tests of the oracle layer, run by lit.
import lit.formats

config.name = "OptGym-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.optgym_unit_dir
config.test_exec_root = config.optgym_unit_dir

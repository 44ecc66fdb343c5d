"""casbench's Python harness: the entry point (docs/protocol.md).

    PYTHON [flags] casbench_harness.py --probe LIBRARY
        prints the probe JSON for LIBRARY (available or not, and why) and
        exits 0.
    PYTHON [flags] casbench_harness.py
        reads two lines on stdin -- the run-config pickle and where to write
        the results pickle -- runs the config's run list through the library
        adapter the config's `library` names (adapters/), streams one record
        per call to `calls_jsonl`, writes the results pickle, exits 0.

Exit status 2, with one line on stderr, when the config cannot be used or
the library is unavailable (nothing runs then); 3 when the harness itself
reached its memory limit (CASBENCH_MEMORY_LIMIT) outside a call.  Standard library only; the
library under test is the only other import.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # also under -I

import adapters                          # noqa: E402  (after the path fix)
from casbench import runtime             # noqa: E402

USAGE = "usage: casbench_harness.py [--probe LIBRARY]  (config and results paths on stdin)"


def fail(message):
    sys.stderr.write("casbench-harness-python: %s\n" % message)
    return 2


def log(message):
    sys.stderr.write("casbench-harness-python: %s\n" % message)


def run_from_stdin():
    lines = sys.stdin.read().splitlines()
    if len(lines) < 2 or not lines[0] or not lines[1]:
        return fail("expected two lines on stdin: the config pickle and the results path")
    config_path, results_path = lines[0].strip(), lines[1].strip()
    try:
        config = runtime.load_config(config_path)
    except runtime.ConfigError as e:
        return fail(str(e))
    library = config.get("library")
    if not isinstance(library, str):
        return fail("config key 'library' is missing")
    try:
        loaded = adapters.load(library)
    except adapters.Unavailable as e:
        return fail("%s is unavailable: %s" % (library, e))
    try:
        adapter = loaded.adapter(config)
    except adapters.Unavailable as e:
        return fail("%s is unavailable: %s" % (library, e))
    except Exception as e:
        return fail("%s is unavailable: %s" % (library, runtime.error_text(e)))
    try:
        runtime.run(config, results_path, adapter, log=log)
    except (OSError, runtime.ConfigError) as e:
        return fail(str(e))
    return 0


def run_bounded():
    """run_from_stdin, with a MemoryError outside the calls (the config
    pickle, the adapter) reported as the memory limit's exit status."""
    try:
        return run_from_stdin()
    except MemoryError as e:
        fail(runtime.memory_limit_text(runtime.error_text(e)) + " while loading the dataset")
        return runtime.EXIT_MEMORY_LIMIT


def main(argv):
    runtime.start_memory_limit()
    if len(argv) == 3 and argv[1] == "--probe":
        sys.stdout.write(json.dumps(adapters.probe(argv[2])) + "\n")
        return 0
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__.strip() + "\n")
        return 0
    if len(argv) != 1:
        sys.stderr.write(USAGE + "\n")
        return 2
    return run_bounded()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

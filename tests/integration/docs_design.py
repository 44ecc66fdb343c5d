#!/usr/bin/env python3
"""docs_design.py -- the repository stands on its own (docs/design.md, §10):

- every section of the design contract that a file of the tree cites
  ("DESIGN §5.1", "docs/design.md §5.1", or a bare "§5.1" beside such a
  citation) is a heading of docs/design.md, so that no comment points at a
  section that does not exist;
- no file of the tree points outside the repository (the design contract and
  the fixtures the tests read live in it: docs/, tests/fixtures/).

Reads the source tree (CASBENCH_ROOT); a missing docs/design.md is a FAIL.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "docs_design.py"
check = cbtest.Checker(NAME)
ROOT = cbtest.ROOT
DESIGN = os.path.join(ROOT, "docs", "design.md")
SKIP_DIRS = {".git", "build", "corpus", "fixtures", "node_modules"}
# Where a path outside the repository would be: the shared folder the
# project was started from, or this machine's work tree.
OUTSIDE = re.compile(r"\.\./shared\b|/work/|\bshared/(DESIGN|spec|fixtures)\b")
# This file names the pattern it looks for.
SELF = os.path.abspath(__file__)


def tree_files():
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for f in files:
            if f == ".git":   # a worktree's pointer to its repository, not part of the tree
                continue
            path = os.path.join(top, f)
            try:
                with open(path, encoding="utf-8") as fh:
                    yield path, fh.read()
            except (UnicodeDecodeError, OSError):
                continue   # binaries


def main():
    if not os.path.isfile(DESIGN):
        check("docs/design.md exists", False, DESIGN)
        sys.exit(1)
    with open(DESIGN, encoding="utf-8") as f:
        headings = set(re.findall(r"^#+ (§[0-9]+(?:\.[0-9]+)*)\s", f.read(), re.M))
    check("docs/design.md has §1 to §10", all("§%d" % i in headings for i in range(1, 11)), sorted(headings))
    cited, outside = {}, []
    for path, text in tree_files():
        rel = os.path.relpath(path, ROOT)
        if rel == "docs/design.md":
            continue
        # a citation, and the bare section numbers that follow it ("§3.1, §3.2", "§4–§5")
        for m in re.finditer(r"(?:DESIGN|design\.md)\s+(§[0-9.]+(?:[\s,–-]+(?:and\s+)?§[0-9.]+)*)", text):
            for sec in re.findall(r"§([0-9]+(?:\.[0-9]+)*)", m.group(1)):
                cited.setdefault("§" + sec, rel)
        if os.path.abspath(path) != SELF:
            outside += ["%s: %s" % (rel, o.group(0)) for o in OUTSIDE.finditer(text)]
    check("the tree cites sections of the design (found %d)" % len(cited), len(cited) >= 10, cited)
    missing = {s: f for s, f in cited.items() if s not in headings}
    check("every cited section is a heading of docs/design.md", not missing, missing)
    check("no file points outside the repository", not outside, outside[:10])
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()

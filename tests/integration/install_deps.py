#!/usr/bin/env python3
"""install_deps.py — tools/install-deps.sh (docs/design.md §10, issue 16):

- installing twice does nothing the second time: `make test` has run it
  already, so here it finds everything in place, installs nothing, says
  nothing, leaves the venvs and samply untouched and exits 0;
- a failed install says what failed and casbench still works: into a fresh
  prefix (CASBENCH_PREFIX) with the Package Index and the crate registry out
  of reach (pip --no-index, cargo offline with an empty cache), each part
  prints one "install-deps: FAILED:" line naming it and pip's or cargo's
  reason and the script exits 1; `casbench libraries` with that prefix exits
  0 and reports python-flint `unavailable` with the reason in the venvs
  left without packages, and samply `unavailable` naming the prefix.
"""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "install_deps"
check = cbtest.Checker(NAME, 800)
SCRIPT = os.path.join(cbtest.ROOT, "tools", "install-deps.sh")


def mtimes(paths):
    return {p: os.stat(p).st_mtime_ns for p in paths if os.path.exists(p)}


def main():
    if not os.access(cbtest.CB, os.X_OK):
        print("FAIL: %s: casbench is not built (%s)" % (NAME, cbtest.CB))
        return 1
    if os.environ.get("CASBENCH_SANITIZED") == "1":
        print("SKIP: %s: a shell script, no sanitized code: the normal build's run covers it" % NAME)
        return 0
    venvs, missing = cbtest.pinned_venvs()
    check("make test installed the pinned venvs", venvs and not missing, missing)
    watched = [os.path.join(d, ".casbench-stamp") for _, d in venvs] + \
        [os.path.join(cbtest.PREFIX, "venv-mathics", ".casbench-stamp"),
         os.path.join(cbtest.PREFIX, "cargo", "bin", "samply")]
    before = mtimes(watched)
    p = subprocess.run(["sh", SCRIPT], capture_output=True, text=True, timeout=600)
    check("a second install exits 0, installs and says nothing",
          p.returncode == 0 and "installing" not in p.stdout and "FAILED" not in p.stderr,
          (p.returncode, p.stdout[-400:], p.stderr[-400:]))
    check("a second install leaves the venvs and samply as they were",
          len(before) == len(watched) and mtimes(watched) == before, (before, mtimes(watched)))

    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "prefix")
        env = dict(os.environ, CASBENCH_PREFIX=prefix, PIP_NO_INDEX="1", PIP_FIND_LINKS="",
                   CARGO_HOME=os.path.join(tmp, "cargo-home"), CARGO_NET_OFFLINE="true")
        p = subprocess.run(["sh", SCRIPT, "venvs", "samply"], capture_output=True, text=True, timeout=900, env=env)
        failed = [l for l in p.stderr.splitlines() if l.startswith("install-deps: FAILED: ")]
        check("offline: exit status 1", p.returncode == 1, (p.returncode, p.stderr[-600:]))
        for v, _ in venvs:
            mine = [l for l in failed if l.startswith("install-deps: FAILED: venv-%s: pip install" % v)]
            check("offline: venv-%s's failure said, with pip's reason" % v,
                  len(mine) == 1 and "sympy" in mine[0] and "log:" in mine[0], failed)
        samply = [l for l in failed if l.startswith("install-deps: FAILED: samply: cargo install samply@0.13.1")]
        check("offline: samply's failure said, with cargo's reason", len(samply) == 1, failed)
        check("offline: nothing stamped as installed",
              not glob.glob(os.path.join(prefix, "venv-*", ".casbench-stamp"))
              and not os.path.exists(os.path.join(prefix, "cargo", "bin", "samply")), os.listdir(prefix))

        rows, p = cbtest.libraries_rows(env=dict(os.environ, CASBENCH_PREFIX=prefix), cwd=tmp)
        check("casbench libraries still works with that prefix", p.returncode == 0 and rows, p.stderr[-400:])
        pf = [r for r in rows if r["library"] == "python-flint" and r["environment"].startswith(prefix)]
        check("python-flint unavailable with the reason in each venv left without packages",
              len(pf) == len(venvs) and all(r["available"] == "no" and "not installed" in r["reason / description"]
                                            for r in pf), pf)
        sm = [r for r in rows if r["library"] == "samply"]
        check("samply unavailable, naming where it was looked for",
              len(sm) == 1 and sm[0]["available"] == "no" and prefix in sm[0]["reason / description"], sm)
        fl = [r for r in rows if r["library"] == "flint"]
        check("the rest still available (flint)", len(fl) == 1 and fl[0]["available"] == "yes", fl)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())

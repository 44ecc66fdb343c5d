"""cli_help.py — every command has --help (and -h), printed from the table
its options are read by (programs/parse_options.h): it starts with the
command's synopsis, lists every option of the synopsis, fits 80 columns,
and exits 0.  The man page (man/casbench.1) is checked against it: its
SYNOPSIS names every command of `casbench --help`, and for each one
exactly the options its --help names."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("cli_help", limit=800)


def commands():
    """The commands `casbench --help` lists."""
    p = subprocess.run([CB, "--help"], capture_output=True, text=True)
    rows = p.stdout.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in rows.splitlines() if line.strip()]


def help_options(text):
    """The options of a --help's synopsis (up to its first blank line) and of
    its option list (the lines after "options"), as written: "--venvs", "-v"."""
    synopsis = text.split("\n\n", 1)[0]
    listed = set()
    in_options = False
    for line in text.splitlines():
        if line.startswith("options"):
            in_options = True
        elif in_options and not line.strip():
            in_options = False
        elif in_options and line.startswith("  -"):
            listed |= set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", line.split("  ")[1]))
    return set(re.findall(r"\[(--?[a-z][\w-]*)", synopsis)), listed


def man_synopses():
    """{command: the options its man page SYNOPSIS entry names}."""
    with open(os.path.join(cbtest.ROOT, "man", "casbench.1")) as f:
        man = f.read()
    synopsis = man.split(".SH SYNOPSIS\n", 1)[1].split("\n.SH ", 1)[0]
    out = {}
    for block in synopsis.split("\n.br\n"):
        m = re.match(r"\.B casbench (\S+)\n", block)
        if m:
            name = m.group(1).replace("\\-", "-")
            out[name] = {w.replace("\\-", "-") for w in re.findall(r"\\fB(\\-[^\\]*(?:\\-[^\\]*)*)\\fR", block)}
    return out


def main():
    if not os.access(CB, os.X_OK):
        print("FAIL: cli_help: casbench is not built (%s)" % CB)
        sys.exit(1)
    cmds = commands()
    check("casbench --help lists the commands", len(cmds) >= 10, cmds)
    man = man_synopses()
    for cmd in cmds:
        p = subprocess.run([CB, cmd, "--help"], capture_output=True, text=True)
        h = subprocess.run([CB, cmd, "-h"], capture_output=True, text=True)
        check("%s --help: exit 0, the synopsis first" % cmd,
              p.returncode == 0 and p.stdout.startswith("usage: casbench %s" % cmd) and not p.stderr,
              (p.returncode, p.stdout[:200], p.stderr))
        check("%s -h is --help" % cmd, h.returncode == 0 and h.stdout == p.stdout)
        in_synopsis, listed = help_options(p.stdout)
        # every option of the synopsis is described (the list also has -h and aliases)
        check("%s --help describes every option of its synopsis" % cmd, in_synopsis <= listed,
              in_synopsis - listed)
        generated = p.stdout.split("\n\n")[0] + "\n" + p.stdout.partition("\noptions")[2].split("\n\n", 1)[0]
        wide = [line for line in generated.splitlines() if len(line) > 80]
        check("%s --help: the synopsis and the options fit 80 columns" % cmd, not wide, wide)
        check("man/casbench.1 SYNOPSIS has %s" % cmd, cmd in man, sorted(man))
        if cmd in man:
            check("man/casbench.1 SYNOPSIS of %s names the options --help names" % cmd, man[cmd] == in_synopsis,
                  "only in the man page: %s; only in --help: %s" % (sorted(man[cmd] - in_synopsis),
                                                                   sorted(in_synopsis - man[cmd])))
    sys.exit(1 if check.failed else 0)


main()

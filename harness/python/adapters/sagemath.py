"""SageMath: `PolynomialRing(ZZ, gens, order='lex')`, run under `sage --python`.

The harness runs in an interpreter that imports `sage.all`: Sage's own
(`sage --python`) or a system Python with Sage installed as a package
(Debian 12's python3-sage 9.5 under /usr/bin/python3).  docs/design.md §7
mapping: divmod is `quo_rem`, resultant is `resultant(q, first generator)`,
gcd/lcm/factor are Sage's (Singular underneath), leading_coefficient is
`lc()` in the lex ring, groebner is `ideal(...).groebner_basis()` in a ring
with the config's order (over ZZ, Singular's strong basis).  Unavailable,
with the reason, where `sage.all` does not import.
"""

import operator

from . import Unavailable, common

SAGE_ORDER = {"lex": "lex", "grevlex": "degrevlex"}


class Loaded:
    """Sage found; `sage.all` (seconds to import) is imported only for a
    run, so that probing stays fast."""

    def __init__(self, version):
        self.version = version
        self.extra_versions = {"sage": version}
        self.functions = frozenset(("add", "sub", "mult", "divmod", "resultant", "gcd",
                                    "lcm", "factor", "leading_coefficient", "groebner"))

    def adapter(self, config):
        try:
            import sage.all as sage
        except ImportError as e:
            raise Unavailable("SageMath does not import (%s)" % e)
        return SageAdapter(sage, config.get("order") or "lex")


def load(library):
    import importlib.util
    try:
        found = importlib.util.find_spec("sage.all") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        import shutil
        where = ("run the harness with `sage --python`" if shutil.which("sage")
                 else "`sage` is not on PATH")
        raise Unavailable("SageMath is not importable by this interpreter (%s)" % where)
    try:
        from sage.version import version
    except ImportError:
        version = None
    return Loaded(version)


class SageAdapter(common.OpsAdapter):
    def __init__(self, sage, order):
        self.sage = sage
        self.order = SAGE_ORDER[order]
        ops = {
            "add": operator.add,
            "sub": operator.sub,
            "mult": operator.mul,
            "divmod": lambda p, q: p.quo_rem(q),
            "resultant": lambda p, q: p.resultant(q, p.parent().gen(0)),
            "gcd": lambda p, q: p.gcd(q),
            "lcm": lambda p, q: p.lcm(q),
            "factor": lambda p: p.factor(),
            "leading_coefficient": lambda p: p.lc(),
            "groebner": lambda s: s.ring.ideal(s.ideal).groebner_basis(),
        }
        self.ops = ops

    def _ring(self, gens, order):
        return self.sage.PolynomialRing(self.sage.ZZ, list(gens), order=order)

    def parse(self, key, gens, polys, uses):
        dicts = [{tuple(e): common.coefficient_int(c) for e, c in p.items()} for p in polys]
        R = self._ring(gens, "lex")
        parsed = [R(d) for d in dicts]
        ideal, ring = parsed, R
        if "groebner" in uses and self.order != "lex":
            ring = self._ring(gens, self.order)
            ideal = [ring(d) for d in dicts]
        return common.System(key, gens, parsed, ideal=ideal, ring=ring)

    def terms(self, poly):
        if hasattr(poly, "dict") and hasattr(poly, "parent"):
            return [(tuple(e), c) for e, c in poly.dict().items()]
        return [((), poly)]

    def factor_pairs(self, result):
        return result.unit(), list(result)

"""SymPy's `PolyElement` of `ring(gens, ZZ, lex)`: sympy-domains, -gmpy, -flint.

The sparse representation.  docs/design.md §7: divmod is `pdiv`, resultant is
PolyElement.resultant (with respect to the first generator; the result lives
in the ring of the other generators), factor is `factor_list`,
leading_coefficient is `LC` (lex ring), groebner is
sympy.polys.groebnertools.groebner in a ring with the config's order (the
ideal is built in that ring at parse time, untimed).
"""

from . import common
from .sympy_common import import_sympy, offered, shared_ops


class Loaded:
    def __init__(self, library):
        self.sympy = import_sympy(library)
        self.version = self.sympy.__version__
        from sympy.polys.rings import PolyElement
        try:
            from sympy.polys.groebnertools import groebner
        except ImportError:
            groebner = None
        self.groebner = groebner
        self.functions = offered(PolyElement, groebner is not None)

    def adapter(self, config):
        return RingAdapter(self.functions, self.groebner, config.get("order") or "lex")


def load(library):
    return Loaded(library)


class RingAdapter(common.OpsAdapter):
    def __init__(self, functions, groebner, order):
        from sympy.polys.orderings import lex, grevlex
        from sympy.polys.rings import ring, PolyElement
        from sympy.polys.domains import ZZ
        self.ring, self.ZZ, self.PolyElement = ring, ZZ, PolyElement
        self.lex = lex
        self.order = {"lex": lex, "grevlex": grevlex}[order]
        ops = dict(shared_ops(),
                   leading_coefficient=lambda p: p.LC,   # a property here
                   groebner=lambda s: groebner(s.ideal, s.ring))
        self.ops = {f: op for f, op in ops.items() if f in functions}

    def parse(self, key, gens, polys, uses):
        dicts = [{tuple(e): common.coefficient_int(c) for e, c in p.items()} for p in polys]
        R = self.ring(gens, self.ZZ, self.lex)[0]
        parsed = [R.from_dict(d) for d in dicts]
        ideal, ring = parsed, R
        if "groebner" in uses and self.order is not self.lex:
            ring = self.ring(gens, self.ZZ, self.order)[0]
            ideal = [ring.from_dict(d) for d in dicts]
        return common.System(key, gens, parsed, ideal=ideal, ring=ring)

    def terms(self, poly):
        if isinstance(poly, self.PolyElement):
            return poly.items()
        return [((), poly)]

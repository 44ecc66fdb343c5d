"""SymPy's `Poly` (the DMP representation): sympy-dmp, -gmpy, -flint.

Polynomials are Poly over ZZ with the dataset's generators.  docs/design.md §7:
divmod is `pdiv` (pseudo-division, SymPy's division over ZZ), resultant is
with respect to the first generator (Poly.resultant's), factor is
`factor_list`, leading_coefficient is `LC` (lex), groebner is
`sympy.groebner` in the config's order.  A method this SymPy lacks makes its
function unsupported.
"""

from . import common
from .sympy_common import import_sympy, offered, shared_ops


class Loaded:
    def __init__(self, library):
        self.sympy = import_sympy(library)
        self.version = self.sympy.__version__
        self.functions = offered(self.sympy.Poly, hasattr(self.sympy, "groebner"))

    def adapter(self, config):
        return PolyAdapter(self.sympy, self.functions, config.get("order") or "lex")


def load(library):
    return Loaded(library)


class PolyAdapter(common.OpsAdapter):
    def __init__(self, sympy, functions, order):
        self.sympy = sympy
        self.order = order
        groebner = sympy.groebner if "groebner" in functions else None
        ops = dict(shared_ops(),
                   leading_coefficient=lambda p: p.LC(),
                   groebner=lambda s: groebner(s.polys, *s.gens, order=order))
        self.ops = {f: op for f, op in ops.items() if f in functions}

    def parse(self, key, gens, polys, uses):
        Symbol, Poly, ZZ = self.sympy.Symbol, self.sympy.Poly, self.sympy.ZZ
        symbols = [Symbol(g) for g in gens]
        parsed = [Poly.from_dict({tuple(e): common.coefficient_int(c) for e, c in p.items()},
                                 *symbols, domain=ZZ)
                  for p in polys]
        return common.System(key, symbols, parsed)

    def terms(self, poly):
        if isinstance(poly, self.sympy.Poly):
            return poly.as_dict(native=True).items()
        return [((), poly)]

    def factor_pairs(self, result):
        return result

    def basis(self, result):
        return list(result.polys) if hasattr(result, "polys") else list(result)

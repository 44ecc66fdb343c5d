"""python-flint: `fmpz_mpoly` in an `fmpz_mpoly_ctx` with lex order.

Written against python-flint >= 0.6 (fmpz_mpoly appeared then) and the
context API of each release (see make_context): `fmpz_mpoly_ctx.get(names,
order)` (0.8 and later), `get_context(nvars, Ordering, nametup=...)` (0.7),
or the constructor `fmpz_mpoly_ctx(nvars, order, names)` (0.6).
docs/design.md §7 mapping: divmod is Python's divmod (FLINT's divrem over ZZ),
resultant is `resultant(q, first generator)`, lcm is p*q/gcd (fmpz_mpoly has
no lcm), factor is `factor()`, leading_coefficient the first term's
coefficient in lex order, groebner is FLINT's Buchberger
(`fmpz_mpoly_vec.buchberger_naive`) then the reduced basis
(`autoreduction(groebner=True)`), in a context with the config's order.
Unavailable, with the reason, where `import flint` fails.
"""

import operator

from . import Unavailable, common

FLINT_ORDER = {"lex": "lex", "grevlex": "degrevlex"}


class Loaded:
    def __init__(self, flint):
        self.flint = flint
        self.version = getattr(flint, "__version__", None)
        mpoly = flint.fmpz_mpoly
        wanted = {"divmod": "__divmod__", "resultant": "resultant", "gcd": "gcd",
                  "lcm": "gcd", "factor": "factor"}
        functions = {"add", "sub", "mult", "leading_coefficient"}
        functions.update(f for f, m in wanted.items() if hasattr(mpoly, m))
        vec = getattr(flint, "fmpz_mpoly_vec", None)
        if vec is not None and hasattr(vec, "buchberger_naive") and hasattr(vec, "autoreduction"):
            functions.add("groebner")
        self.functions = frozenset(functions)

    def adapter(self, config):
        return FlintAdapter(self.flint, self.functions, config.get("order") or "lex")


def load(library):
    try:
        import flint
    except ImportError as e:
        raise Unavailable("python-flint is not installed in this environment (%s)" % e)
    if not hasattr(flint, "fmpz_mpoly_ctx"):
        raise Unavailable("python-flint %s has no fmpz_mpoly_ctx (0.6 or later is needed)"
                          % getattr(flint, "__version__", "?"))
    return Loaded(flint)


def make_context(flint, names, order):
    """An fmpz_mpoly_ctx over `names` with `order` ("lex", "degrevlex"),
    whatever the release: get(names, order) takes the order's name;
    0.7.0's get_context wants a flint.Ordering and the names as `nametup`;
    the 0.6 constructor takes (nvars, order, names)."""
    ctx_type = flint.fmpz_mpoly_ctx
    names = tuple(names)
    enum = getattr(flint, "Ordering", None)
    ordering = getattr(enum, order, order) if enum is not None else order
    if hasattr(ctx_type, "get"):
        return ctx_type.get(names, order)
    if hasattr(ctx_type, "get_context"):
        try:
            return ctx_type.get_context(len(names), ordering, nametup=names)
        except TypeError:
            return ctx_type.get_context(len(names), order, names=",".join(names))
    return ctx_type(len(names), ordering, names)


def from_dict(flint, ctx, d):
    if hasattr(ctx, "from_dict"):
        return ctx.from_dict(d)
    return flint.fmpz_mpoly(d, ctx)


def leading_coefficient(p):
    if hasattr(p, "leading_coefficient"):
        return p.leading_coefficient()
    return p.coefficient(0) if len(p) else 0


def lcm(p, q):
    g = p.gcd(q)
    return (p // g) * q if g else p * q


class FlintAdapter(common.OpsAdapter):
    def __init__(self, flint, functions, order):
        self.flint = flint
        self.order = FLINT_ORDER[order]
        vec = getattr(flint, "fmpz_mpoly_vec", None)
        ops = {
            "add": operator.add,
            "sub": operator.sub,
            "mult": operator.mul,
            "divmod": divmod,
            "resultant": None,          # bound per system: see bind
            "gcd": lambda p, q: p.gcd(q),
            "lcm": lcm,
            "factor": lambda p: p.factor(),
            "leading_coefficient": leading_coefficient,
            "groebner": lambda s: vec(s.ideal, s.ring).buchberger_naive()
                                                        .autoreduction(groebner=True),
        }
        self.ops = {f: op for f, op in ops.items() if f in functions}

    def bind(self, function, systems):
        if function == "resultant":     # with respect to the first generator, by name
            var = systems[0].gens[0]
            pairs = list(zip(systems[0].polys, systems[1].polys))
            return lambda: [p.resultant(q, var) for p, q in pairs]
        return super().bind(function, systems)

    def parse(self, key, gens, polys, uses):
        dicts = [{tuple(e): common.coefficient_int(c) for e, c in p.items()} for p in polys]
        ctx = make_context(self.flint, gens, "lex")
        parsed = [from_dict(self.flint, ctx, d) for d in dicts]
        ideal, ring = parsed, ctx
        if "groebner" in uses and self.order != "lex":
            ring = make_context(self.flint, gens, self.order)
            ideal = [from_dict(self.flint, ring, d) for d in dicts]
        return common.System(key, gens, parsed, ideal=ideal, ring=ring)

    def terms(self, poly):
        if isinstance(poly, self.flint.fmpz_mpoly):
            if hasattr(poly, "to_dict"):
                return poly.to_dict().items()
            return zip(poly.monoms(), poly.coeffs())
        return [((), poly)]

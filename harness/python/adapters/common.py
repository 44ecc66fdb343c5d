"""What every Python adapter shares: systems, binding a call, plain results.

An adapter built on OpsAdapter only says how to build its polynomials
(`parse`), gives one callable per function in `ops` (binary ones take
(p, q), unary ones p, groebner the whole System), and how to read one of its
polynomials back as exponent tuples and ints (`terms`) for the verify digest.
Binding zips the argument systems once, in the child and untimed, so the
timed call is the library's operations and one list comprehension.
"""

import operator

from casbench.runtime import Adapter

BINARY = ("add", "sub", "mult", "divmod", "resultant", "gcd", "lcm")
UNARY = ("factor", "leading_coefficient")


class System:
    """One dataset system in a library's objects.  `ideal` holds the
    polynomials for groebner when the library needs them in another ring
    (a different monomial order); otherwise it is `polys`."""
    __slots__ = ("key", "gens", "polys", "ideal", "ring")

    def __init__(self, key, gens, polys, ideal=None, ring=None):
        self.key, self.gens, self.polys = key, gens, polys
        self.ideal = polys if ideal is None else ideal
        self.ring = ring


def to_int(c):
    """An integer coefficient (int, mpz, fmpz, SymPy or Sage Integer) as int;
    refuses a non-integer instead of truncating it."""
    try:
        return operator.index(c)
    except TypeError:
        pass
    i = int(c)
    if i != c:
        raise ValueError("non-integer coefficient %r in a result over ZZ" % (c,))
    return i


class OpsAdapter(Adapter):
    ops = {}

    @property
    def functions(self):
        return frozenset(self.ops)

    def bind(self, function, systems):
        op = self.ops[function]
        if function in BINARY:
            a, b = systems
            pairs = list(zip(a.polys, b.polys))
            return lambda: [op(p, q) for p, q in pairs]
        if function in UNARY:
            polys = systems[0].polys
            return lambda: [op(p) for p in polys]
        system = systems[0]
        return lambda: op(system)

    # -- verify mode --------------------------------------------------------
    def terms(self, poly):
        """[(exponents, coefficient)] of one of the library's polynomials, or
        of a scalar (then one term with exponents ())."""
        raise NotImplementedError

    def poly_dict(self, poly, nvars):
        """The polynomial over all nvars generators as {exponents: int}; a
        result over the generators but the first (a resultant) gets first
        exponent 0, a scalar is a constant."""
        d = {}
        for e, c in self.terms(poly):
            e = tuple(int(x) for x in e)
            if len(e) < nvars:
                e = (0,) * (nvars - len(e)) + e
            c = to_int(c)
            if c:
                d[e] = d.get(e, 0) + c
        return d

    def factor_pairs(self, result):
        """(coefficient, [(factor, multiplicity)]) of one factor() result."""
        return result

    def basis(self, result):
        """The polynomials of one groebner() result."""
        return list(result)

    def plain(self, function, systems, result):
        n = len(systems[0].gens)
        conv = lambda p: self.poly_dict(p, n)
        if function in ("add", "sub", "mult", "gcd", "lcm", "resultant"):
            return [conv(p) for p in result]
        if function == "divmod":
            return [(conv(q), conv(r)) for q, r in result]
        if function == "factor":
            out = []
            for item in result:
                coeff, factors = self.factor_pairs(item)
                out.append((to_int(coeff), [(conv(f), int(m)) for f, m in factors]))
            return out
        if function == "leading_coefficient":
            return [to_int(c) for c in result]
        if function == "groebner":
            return [conv(p) for p in self.basis(result)]
        raise ValueError("unknown function %r" % function)


def coefficient_int(c):
    """A dataset coefficient (an int, or its decimal string) as int."""
    return c if isinstance(c, int) else int(c)

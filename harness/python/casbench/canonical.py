"""The verify digest's canonical text (docs/protocol.md, "The verify digest").

Every harness, in every language, writes the same text for the same result,
so digests can be compared across libraries.  Adapters turn their library's
objects into plain Python values first -- a polynomial is a dict from
exponent tuple (over the system's generators, in the dataset's order) to int
-- and this module does the rest.  Standard library only.
"""

import hashlib
from math import gcd

HEAD_CHARS = 200


def poly_text(poly):
    """`COEFF@E1.E2...` terms in descending lex order, or `0`."""
    terms = [(e, c) for e, c in poly.items() if c != 0]
    if not terms:
        return "0"
    terms.sort(reverse=True)
    return " ".join("%d@%s" % (c, ".".join(map(str, e))) for e, c in terms)


def leading(poly):
    """Leading coefficient in lex order (0 for the zero polynomial)."""
    nonzero = [e for e, c in poly.items() if c != 0]
    return poly[max(nonzero)] if nonzero else 0


def negate(poly):
    return {e: -c for e, c in poly.items()}


def normalised(poly):
    """Multiplied by -1 when its leading coefficient is negative."""
    return negate(poly) if leading(poly) < 0 else poly


def content(poly):
    g = 0
    for c in poly.values():
        g = gcd(g, c)
    return g


def primitive(poly):
    """(unit content with the leading coefficient's sign, primitive part with
    a positive leading coefficient); content 0 for the zero polynomial."""
    g = content(poly)
    if g == 0:
        return 0, {}
    if leading(poly) < 0:
        g = -g
    return g, {e: c // g for e, c in poly.items() if c != 0}


def factor_text(coeff, factors):
    """`CONTENT * (F1)^M1 ...`: factors made primitive with positive leading
    coefficients, constants and contents folded into CONTENT, factors sorted
    by text."""
    total = int(coeff)
    items = []
    for poly, mult in factors:
        c, prim = primitive(poly)
        total *= c ** mult
        if c == 0 or all(not any(e) for e in prim):
            continue        # a constant factor: folded into CONTENT above
        items.append((poly_text(prim), int(mult)))
    if total == 0:
        return "0"              # a zero content swallows every factor
    items.sort()
    return str(total) + "".join(" * (%s)^%d" % (t, m) for t, m in items)


def groebner_text(basis):
    lines = [poly_text(primitive(p)[1]) for p in basis]
    return "\n".join(sorted(lines))


def text(function, result):
    """Canonical text of one call's result, given in plain form:
    add/sub/mult/resultant: list of polys; gcd/lcm: list of polys (normalised
    here); divmod: list of (q, r); factor: list of (coeff, [(poly, mult)]);
    leading_coefficient: list of ints; groebner: list of polys."""
    if function in ("add", "sub", "mult", "resultant"):
        return "\n".join(poly_text(p) for p in result)
    if function in ("gcd", "lcm"):
        return "\n".join(poly_text(normalised(p)) for p in result)
    if function == "divmod":
        return "\n".join("%s | %s" % (poly_text(q), poly_text(r)) for q, r in result)
    if function == "factor":
        return "\n".join(factor_text(c, fs) for c, fs in result)
    if function == "leading_coefficient":
        return "\n".join(str(int(c)) for c in result)
    if function == "groebner":
        return groebner_text(result)
    raise ValueError("no canonical form for function %r" % function)


def digest(canonical, perturbed=False):
    """(sha256 hex digest, head) of a canonical text; `perturbed` corrupts
    the digest on purpose (the config's `perturb`, for tests)."""
    data = canonical.encode("utf-8")
    if perturbed:
        data += b"\nperturbed"
    return hashlib.sha256(data).hexdigest(), canonical[:HEAD_CHARS]

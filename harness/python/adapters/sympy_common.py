"""Importing SymPy with the ground types a library id names, or refusing to.

`sympy-dmp-gmpy` must time gmpy2 integers and `sympy-domains-flint` must time
python-flint ones.  SymPy silently (with a warning) falls back to other
ground types when the one asked for is missing, so after the import the
ground types actually in use are checked -- both SymPy's GROUND_TYPES and the
type of ZZ's elements -- and a variant that is not what it says is
Unavailable with the reason: SymPy's own warning when it gave one (python-flint
missing, or a SymPy that does not know flint ground types, such as 1.11),
else what is missing.  SYMPY_GROUND_TYPES is set from the library id
before SymPy is imported (the engine sets it too; the id is the truth).
"""

import operator
import os
import sys
import warnings

from . import Unavailable

# library-id suffix -> (SYMPY_GROUND_TYPES value, (module, type) of ZZ's elements)
GROUND_TYPES = {"": ("python", ("builtins", "int")), "gmpy": ("gmpy", ("gmpy2", "mpz")),
                "flint": ("flint", ("flint", "fmpz"))}
PACKAGE = {"gmpy": "gmpy2", "flint": "python-flint"}

# function -> the method both SymPy representations (Poly, PolyElement) need
# for it (None: an operator or a module function, always there).  One table,
# so the two adapters offer and report the same functions.
METHODS = {"add": None, "sub": None, "mult": None, "divmod": "pdiv",
           "resultant": "resultant", "gcd": "gcd", "lcm": "lcm",
           "factor": "factor_list", "leading_coefficient": "LC",
           "groebner": None}


def offered(cls, have_groebner):
    """The functions a representation class (Poly or PolyElement) offers."""
    return frozenset(f for f, m in METHODS.items()
                     if (m is None or hasattr(cls, m)) and (f != "groebner" or have_groebner))


def shared_ops():
    """The operations both representations spell alike (all but
    leading_coefficient and groebner), function -> callable."""
    return {
        "add": operator.add,
        "sub": operator.sub,
        "mult": operator.mul,
        "divmod": lambda p, q: p.pdiv(q),
        "resultant": lambda p, q: p.resultant(q),
        "gcd": lambda p, q: p.gcd(q),
        "lcm": lambda p, q: p.lcm(q),
        "factor": lambda p: p.factor_list(),
    }


def ground_suffix(library):
    for suffix in ("gmpy", "flint"):
        if library.endswith("-" + suffix):
            return suffix
    return ""


def _installed(module):
    import importlib.util
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _is_type(cls, module, name):
    """Is cls the type `module.name` (an import of an absent module: no)?"""
    if module == "builtins":
        return cls is int
    mod = sys.modules.get(module)
    return mod is not None and getattr(mod, name, None) is cls


def import_sympy(library):
    """SymPy imported with the library id's ground types, or Unavailable."""
    suffix = ground_suffix(library)
    wanted, dtype = GROUND_TYPES[suffix]
    if "sympy" not in sys.modules:
        os.environ["SYMPY_GROUND_TYPES"] = wanted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import sympy
            from sympy.external import gmpy as sympy_gmpy
            from sympy.polys.domains import ZZ
        except ImportError as e:
            raise Unavailable("SymPy is not installed (%s)" % e)
    actual = getattr(sympy_gmpy, "GROUND_TYPES", "python")
    actual = "gmpy" if actual == "gmpy2" else actual
    element = type(ZZ(1))
    if actual == wanted and _is_type(element, *dtype):
        return sympy
    if caught:                    # SymPy's own reason, when it gave one
        why = str(caught[0].message)
    elif suffix and not _installed(PACKAGE[suffix].replace("python-", "")):
        why = "%s is not installed" % PACKAGE[suffix]
    else:
        why = "ZZ's elements are %s.%s" % (element.__module__, element.__name__)
    raise Unavailable("SymPy %s fell back to %s ground types: %s"
                      % (sympy.__version__, actual, why))


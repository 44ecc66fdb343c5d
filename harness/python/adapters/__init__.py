"""The Python harness's library adapters, and the probe.

Each adapter module (sympy_dmp, sympy_domains, python_flint, sagemath)
exports `load(library)`, which imports its library -- only then, so a probe
imports what it probes and nothing else -- and returns an object with
`version`, `functions` and `adapter(config)` (a runtime.Adapter), or raises
Unavailable with the reason.  This module maps library ids to adapters
(docs/design.md §6) and builds the probe JSON of docs/protocol.md.
"""

import importlib
import sys

from casbench.runtime import FUNCTIONS

LIBRARIES = {
    "sympy-dmp": "sympy_dmp",
    "sympy-dmp-gmpy": "sympy_dmp",
    "sympy-dmp-flint": "sympy_dmp",
    "sympy-domains": "sympy_domains",
    "sympy-domains-gmpy": "sympy_domains",
    "sympy-domains-flint": "sympy_domains",
    "python-flint": "python_flint",
    "sagemath": "sagemath",
}


class Unavailable(Exception):
    """The library (or the variant asked for) cannot run here; str() is why."""


def load(library):
    """The loaded library for an id, or Unavailable."""
    name = LIBRARIES.get(library)
    if name is None:
        raise Unavailable("unknown Python library %r (known: %s)"
                          % (library, ", ".join(sorted(LIBRARIES))))
    module = importlib.import_module("adapters." + name)
    try:
        return module.load(library)
    except Unavailable:
        raise
    except Exception as e:       # a broken installation: say what broke
        raise Unavailable("%s does not load: %s: %s" % (library, type(e).__name__, e))


def _dist_version(dist):
    """A distribution's installed version without importing it, or None."""
    try:
        from importlib import metadata
        return metadata.version(dist)
    except Exception:
        return None


def versions(extra=None):
    """The environment's versions of what casbench's Python libraries use."""
    found = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "sympy": _version("sympy", "sympy"),
        "gmpy2": _version("gmpy2", "gmpy2"),
        "flint": _version("flint", "python-flint"),
        "memray": _version("memray", "memray"),
    }
    found.update(extra or {})
    return found


def _version(module, dist):
    """A module's version: free when it is imported already; else from its
    distribution's metadata, looked up only when the module is there."""
    loaded = sys.modules.get(module)
    if loaded is not None:
        version = getattr(loaded, "__version__", None)
        if version is None and callable(getattr(loaded, "version", None)):
            version = loaded.version()          # gmpy2 2.1 has only version()
        if version is not None:
            return str(version)
    import importlib.util
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):
        return None
    return _dist_version(dist)


def probe(library):
    """The probe JSON object (docs/protocol.md) for one library id."""
    try:
        loaded = load(library)
    except Unavailable as e:
        return {"library": library, "available": False, "reason": str(e),
                "version": None, "versions": versions(), "functions": []}
    return {"library": library, "available": True, "reason": None,
            "version": loaded.version,
            "versions": versions(getattr(loaded, "extra_versions", None)),
            "functions": [f for f in FUNCTIONS if f in loaded.functions]}

"""The console's Jinja environment: Flask's, with two look-ups made the cheap way.

The GOV.UK macros read dozens of optional parameters from plain dicts (`params.classes`) and
import one another on every render. Jinja answers `params.classes` by trying an attribute first
(an AttributeError for every dict key, present or not), and gives each template its globals as a
ChainMap, which it copies and compares key by key at every render and import. Together that was a
sixth of a page's time under load. The answers here are the same; they just cost less.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment

# Names a dict answers as attributes (`params.items` is the method, as Jinja gives it).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class ConsoleEnvironment(Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        """`obj.attribute` in a template. For a plain dict and a name that is not one of dict's
        own attributes, Jinja's attribute look-up can only fail, so go straight to the key."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not a ChainMap over the environment's: the app sets
        its globals before the first template loads, as Jinja asks."""
        return {**self.globals, **(d or {})}

"""The console's Jinja environment: Flask's, with two look-ups made the cheap way and the GOV.UK
components' output remembered.

The GOV.UK macros read dozens of optional parameters from plain dicts (`params.classes`) and
import one another on every render. Jinja answers `params.classes` by trying an attribute first
(an AttributeError for every dict key, present or not), and gives each template its globals as a
ChainMap, which it copies and compares key by key at every render and import. Together that was a
sixth of a page's time under load. The answers here are the same; they just cost less.

A GOV.UK component's HTML depends only on the parameters it is given (the components are imported
without the page's context), and most of a page is the same components with the same parameters as
last time: the header, the footer, the navigation, a teacher's summary cards until the record
changes. So each component remembers its output by its parameters' values (`RememberedComponent`):
a changed value is a different key, so nothing shown can be stale.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import govuk_frontend_jinja
from flask.templating import Environment
from jinja2 import Template
from jinja2.runtime import Macro
from markupsafe import Markup

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


# The GOV.UK Frontend components' files, however they are loaded (not the page template, whose
# blocks the console fills in).
COMPONENTS = str(Path(govuk_frontend_jinja.__file__).parent / "templates" / "components") + os.sep
# Outputs each component keeps; past this it starts again, so memory stays bounded (a few MB).
REMEMBERED_OUTPUTS = 2048
# The values a key is made of: each is immutable, and two that are equal render the same. A value
# of any other type (a date, an Undefined, an object; a float, since 0.0 == -0.0) makes the call go
# straight to the macro.
_KEYABLE = frozenset({str, Markup, int, bool, type(None)})


class _Unkeyable(Exception):
    pass


def parameters_key(value: Any) -> Any:
    """A hashable key for a component's parameters, equal only for values that render the same.

    Each value carries its type: `Markup("<b>")` and `"<b>"` (escaped) render differently, and so
    do `True` and `1`. Dict order is kept, since attributes render in the order given."""
    kind = type(value)
    if kind is dict:
        return (dict, tuple([(name, parameters_key(item)) for name, item in value.items()]))
    if kind is list or kind is tuple:
        return (kind, tuple([parameters_key(item) for item in value]))
    if kind in _KEYABLE:
        return (kind, value)
    raise _Unkeyable


class RememberedComponent:
    """A GOV.UK component macro that keeps its output for each set of parameters it has seen.

    Only the plain `component(params)` call is remembered; a call with a caller (`{% call %}`) or
    any other argument goes straight to the macro."""

    def __init__(self, macro: Macro) -> None:
        self.macro = macro
        self.outputs: dict[Any, Markup] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != 1:
            return self.macro(*args, **kwargs)
        try:
            key = parameters_key(args[0])
        except _Unkeyable:
            return self.macro(*args)
        output = self.outputs.get(key)
        if output is None:
            output = self.macro(*args)
            if len(self.outputs) >= REMEMBERED_OUTPUTS:
                self.outputs = {}
            self.outputs[key] = output
        return output


class _Components:
    """What `{% from "…/macro.html" import govukX %}` reads: the template's names, its macros
    remembered."""

    def __init__(self, module: Any) -> None:
        for name, value in vars(module).items():
            setattr(self, name, RememberedComponent(value) if isinstance(value, Macro) else value)


class ConsoleTemplate(Template):
    _components: tuple[Any, _Components] | None = None

    def _get_default_module(self, ctx: Any = None) -> Any:
        """The module an import reads; a GOV.UK component's macros come remembered."""
        module = super()._get_default_module(ctx)
        if not (self.filename or "").startswith(COMPONENTS):
            return module
        if self._components is None or self._components[0] is not module:
            self._components = (module, _Components(module))
        return self._components[1]


ConsoleEnvironment.template_class = ConsoleTemplate

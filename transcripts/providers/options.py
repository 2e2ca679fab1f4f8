"""One validator for model options, used by the web form, the API and the local engine.

``clean_options`` takes what a client sent — native JSON types, or the strings an HTML form posts
("on", "12", "a, b", one item per line) — and returns values of the types the provider expects,
or raises ``ValidationError({option: [message]})`` with messages a person can act on.

Kinds (``OptionSpec.kind``):
  bool          true/false; also "true", "on", "yes", "1" and their opposites
  str           text, trimmed; ``max_length``
  int, float    numbers (also as strings); ``minimum`` / ``maximum``
  enum          one of ``choices`` (matched case-insensitively, returned as spelled in choices)
  str_list      a list of texts: a JSON list, or a string split on new lines (else on commas);
                ``max_items``, ``max_length`` per item, ``choices`` if given
  str_or_list   the same, for fields the vendor takes as a string or a list; always sent as a list
  bcp47         a BCP-47 language tag (en, en-US, pt-BR, zh-Hant-TW), normalised in case;
                values in ``choices`` (e.g. "multi") are accepted too
  spelling_list [{"from": ..., "to": ...}], or "from=to" items/lines
  bool_or_list  a yes/no, or a list of texts (e.g. detect_language: true or ["en", "es"])
Empty values (None, "", blank lists) are dropped; options a model does not have are errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from .base import ModelSpec, OptionSpec

TRUE_WORDS = frozenset({"true", "on", "yes", "1"})
FALSE_WORDS = frozenset({"false", "off", "no", "0"})
# language (2-3 letters; longer registered primaries are not used by any engine here), optional
# script (4 letters), optional region (2 letters or 3 digits), optional variants.
BCP47 = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$"
)


class Invalid(Exception):
    """One option's value is unusable; the message is shown next to the field."""


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def _to_bool(value: Any, spec: OptionSpec) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise Invalid("Choose yes or no.")


def _check_bounds(number: float, spec: OptionSpec) -> None:
    if spec.minimum is not None and number < spec.minimum:
        raise Invalid(f"Must be at least {_plain(spec.minimum)}.")
    if spec.maximum is not None and number > spec.maximum:
        raise Invalid(f"Must be at most {_plain(spec.maximum)}.")


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _to_int(value: Any, spec: OptionSpec) -> int:
    if isinstance(value, bool):
        raise Invalid("Enter a whole number.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise Invalid("Enter a whole number.")
        value = int(text)
    if not isinstance(value, int):
        raise Invalid("Enter a whole number.")
    _check_bounds(value, spec)
    return value


def _to_float(value: Any, spec: OptionSpec) -> float:
    if isinstance(value, bool):
        raise Invalid("Enter a number.")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Invalid("Enter a number.") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("Enter a number.")
    _check_bounds(value, spec)
    return float(value)


def _to_str(value: Any, spec: OptionSpec) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid("Enter text.")
    text = str(value).strip()
    if spec.max_length and len(text) > spec.max_length:
        raise Invalid(f"Keep it to {spec.max_length} characters (this is {len(text)}).")
    return text


def _to_enum(value: Any, spec: OptionSpec) -> str:
    text = _to_str(value, spec) if not isinstance(value, bool) else ""
    for choice in spec.choices:
        if text.lower() == choice.lower():
            return choice
    raise Invalid(f"Choose one of: {', '.join(spec.choices)}.")


def _items(value: Any) -> list[Any]:
    if isinstance(value, str):
        separator = "\n" if "\n" in value else ","
        return [part.strip() for part in value.split(separator)]
    if isinstance(value, list | tuple):
        return list(value)
    raise Invalid("Enter a list: one item per line.")


def _to_str_list(value: Any, spec: OptionSpec) -> list[str]:
    items: list[str] = []
    for item in _items(value):
        if _is_empty(item):
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise Invalid("Each item must be text.")
        text = str(item).strip()
        if spec.max_length and len(text) > spec.max_length:
            raise Invalid(f"“{text[:30]}…” is longer than {spec.max_length} characters.")
        if spec.choices and text not in spec.choices:
            raise Invalid(f"“{text}” is not one of: {', '.join(spec.choices)}.")
        items.append(text)
    if spec.max_items and len(items) > spec.max_items:
        raise Invalid(f"Enter at most {spec.max_items} items (this has {len(items)}).")
    return items


def _to_bcp47(value: Any, spec: OptionSpec) -> str:
    text = _to_str(value, spec)
    if text.lower() in {choice.lower() for choice in spec.choices}:
        return text.lower()
    match = BCP47.match(text)
    if not match:
        raise Invalid(f"“{text}” is not a language tag; use a BCP-47 tag such as en, en-US or pt-BR.")
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    tag = "-".join(parts) + match["variants"].lower()
    return tag


def _spelling(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        source, equals, target = item.partition("=")
        if not equals or not source.strip() or not target.strip():
            raise Invalid(f"Write each spelling as from=to (got “{item[:40]}”).")
        return {"from": source.strip(), "to": target.strip()}
    if isinstance(item, dict) and set(item) == {"from", "to"}:
        source, target = item["from"], item["to"]
        # AssemblyAI takes several spoken forms for one spelling: a list stays a list.
        sources = source if isinstance(source, list) else [source]
        if (
            not (isinstance(target, str) and target.strip())
            or not sources
            or not all(isinstance(each, str) and each.strip() for each in sources)
        ):
            raise Invalid("Each spelling needs a non-empty “from” and “to”.")
        return {"from": source, "to": target.strip()}
    raise Invalid('Each spelling must be {"from": …, "to": …} or a from=to line.')


def _to_spelling_list(value: Any, spec: OptionSpec) -> list[dict[str, Any]]:
    pairs = [_spelling(item) for item in ([value] if isinstance(value, dict) else _items(value))
             if not _is_empty(item)]  # fmt: skip
    for pair in pairs:
        texts = [pair["to"], *(pair["from"] if isinstance(pair["from"], list) else [pair["from"]])]
        too_long = next((text for text in texts if spec.max_length and len(text) > spec.max_length), None)
        if too_long:
            raise Invalid(f"“{too_long[:30]}…” is longer than {spec.max_length} characters.")
    if spec.max_items and len(pairs) > spec.max_items:
        raise Invalid(f"Enter at most {spec.max_items} spellings (this has {len(pairs)}).")
    return pairs


def _to_bool_or_list(value: Any, spec: OptionSpec) -> bool | list[str]:
    is_word = isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS
    if isinstance(value, bool | int) or is_word:
        return _to_bool(value, spec)
    try:
        return _to_str_list(value, spec)
    except Invalid:
        raise Invalid("Choose yes or no, or enter a list (one per line).") from None


COERCERS: dict[str, Callable[[Any, OptionSpec], Any]] = {
    "bool": _to_bool,
    "str": _to_str,
    "int": _to_int,
    "float": _to_float,
    "enum": _to_enum,
    "str_list": _to_str_list,
    "str_or_list": _to_str_list,
    "bcp47": _to_bcp47,
    "spelling_list": _to_spelling_list,
    "bool_or_list": _to_bool_or_list,
}


def clean_option(*, spec: OptionSpec, value: Any) -> Any:
    """One option's value in the provider's type; raises ``Invalid`` with a user-facing message."""
    try:
        coerce = COERCERS[spec.kind]
    except KeyError:
        raise ValueError(f"option {spec.name!r} has unknown kind {spec.kind!r}") from None
    return coerce(value, spec)


def clean_options(*, spec: ModelSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate and coerce ``raw`` for ``spec``; raise ``ValidationError({name: [message]})``."""
    if not isinstance(raw, dict):
        raise ValidationError({"options": ["Options must be an object of name: value pairs."]})
    known = {option.name: option for option in spec.options}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        option = known.get(name)
        if option is None:
            errors[name] = [f"{spec.label} has no option “{name}”."]
            continue
        if _is_empty(value):
            continue
        try:
            value = clean_option(spec=option, value=value)
        except Invalid as error:
            errors[name] = [str(error)]
            continue
        if not _is_empty(value):
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned

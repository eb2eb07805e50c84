"""Read YAML strictly: the one reader of scenario, sweep and claim files.

A key given twice in one mapping is an error naming the key and both lines, a
file larger than :data:`~sim.schema.limits.MAX_FILE_BYTES` is refused unread,
and so is a file whose aliases expand to more than
:data:`~sim.schema.limits.MAX_YAML_VALUES` values. Every failure is a
:class:`~sim.errors.ScenarioError` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError, excerpt
from sim.schema.limits import MAX_FILE_BYTES, MAX_YAML_VALUES


class YamlRefused(ScenarioError):
    """YAML that parses but is refused: a key given twice, or aliases that expand too far."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice."""


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            lines: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<: *base' merges may be overridden, by design
                key = self.construct_object(key_node, deep=True)
                try:
                    first = lines.get(key)
                except TypeError:
                    continue  # an unhashable key: the constructor reports it
                if first is not None:
                    raise _DuplicateKey(
                        None, None, f"key {excerpt(key)} is given twice in one mapping (first "
                        f"at line {first + 1}); keep one", key_node.start_mark)
                lines[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Parse YAML text strictly (see the module's notes); errors are :class:`ScenarioError`.

    Parameters
    ----------
    text
        The YAML document.

    Returns
    -------
    Any
        The document as plain Python values (None for an empty document).
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        values = _expanded_size(node, {})
        if values > MAX_YAML_VALUES:
            raise YamlRefused(f"its anchors and aliases (&name, *name) expand to {values:.3g} "
                                f"values; the limit is {MAX_YAML_VALUES:,}: write the values "
                                "out, or use fewer aliases")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        refused = YamlRefused if isinstance(exc, _DuplicateKey) else ScenarioError
        raise refused(f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ScenarioError("not valid YAML: nested too deeply") from None
    except ValueError as exc:  # a date that does not exist, an integer of 5,000 digits...
        problem = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise ScenarioError(f"not valid YAML: {problem[:120]}") from None
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for with every alias written out (linear time)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, sizes) for v in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def read_yaml(path: Path, what: str = "scenario file", text: str | bytes | None = None) -> dict:
    """Read a YAML mapping, turning every failure into a :class:`ScenarioError`.

    ``what`` names the kind of file in messages (``scenario file``, ``sweep file``);
    ``text``, if given, is the file's contents (bytes are read as UTF-8), and
    ``path`` is then not read.
    """
    shown = display_path(path)
    if text is None:
        if path.is_dir():
            raise ScenarioError(f"{what} {shown} is a folder, not a file")
        if not path.is_file():
            raise ScenarioError(f"no such {what}: {shown}")
    try:
        if text is None:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ScenarioError(f"the file has {size:,} bytes; a {what} may have at most "
                                    f"{MAX_FILE_BYTES:,}", shown)
            raw = path.read_bytes()
        else:
            raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
            if len(raw) > MAX_FILE_BYTES:
                raise ScenarioError(f"the file has {len(raw):,} bytes; a {what} may have at "
                                    f"most {MAX_FILE_BYTES:,}", shown)
        if b"\x00" in raw:
            raise ScenarioError(f"not a text file (it holds NUL bytes); a {what} is YAML text",
                                shown)
        data = load_yaml(raw.decode("utf-8"))
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", shown) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"a {what} must be a mapping of sections, not a "
                            f"{type(data).__name__}", shown)
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ScenarioError(f"{excerpt(bad[0])}: keys must be text, not "
                            f"{type(bad[0]).__name__}", shown)
    return data


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

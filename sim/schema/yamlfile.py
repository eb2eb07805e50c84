"""Read YAML strictly: the one reader of scenario, sweep and claim files.

Every file goes through the same steps, each bounded before the next one runs:

1. The file is opened without following it into anything but a regular file (a
   folder, a FIFO or a device such as ``/dev/zero`` is refused by name) and at
   most :data:`~sim.schema.limits.MAX_FILE_BYTES` bytes are read.
2. The text must be UTF-8 without NUL bytes.
3. The parser's events are walked once, without building anything, and the
   walk stops as soon as the document nests deeper than
   :data:`~sim.schema.limits.MAX_YAML_DEPTH` levels, stands for more than
   :data:`~sim.schema.limits.MAX_YAML_VALUES` values (aliases counted as
   written out) or carries a tag other than the plain ones (``!!str``,
   ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq``, ``!!map``): so no
   parser recursion and no alias expansion can exhaust the process.
4. The document is built by PyYAML's safe loader, refusing a key given twice in
   one mapping.

A file that is not recognisably of the expected kind (its top-level keys are
none of the kind's keys) is refused without showing any of its content, so
that an ``extends`` that points at a system file cannot print it. Every
failure is a :class:`~sim.errors.ScenarioError` naming the file.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError, excerpt
from sim.schema.limits import MAX_FILE_BYTES, MAX_PATH_CHARS, MAX_YAML_DEPTH, MAX_YAML_VALUES

PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}"
                       for name in ("str", "int", "float", "bool", "null", "seq", "map"))
"""The explicit YAML tags a file may carry; any other (``!!binary``, ``!!set``...) is refused."""

GENERIC_KEYS = frozenset({"name", "description"})
"""Top-level keys too common to tell a file's kind by themselves."""


class YamlRefused(ScenarioError):
    """YAML that parses but is refused: a key given twice, or too many values."""


class UnreadableFile(ScenarioError):
    """A file that cannot be read as text: missing, a folder, a device, a bad path...

    Attributes
    ----------
    missing, folder
        Whether the file does not exist, or is a folder.
    """

    def __init__(self, problem: str, *, missing: bool = False, folder: bool = False):
        super().__init__(problem)
        self.missing, self.folder = missing, folder


class NotOfKind(ScenarioError):
    """A readable YAML file that is not of the kind expected (its content is not shown)."""


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
    node = compose_yaml(text)
    return None if node is None else construct_yaml(text, node)


def compose_yaml(text: str) -> yaml.Node | None:
    """Check ``text`` (depth, values, tags) and build its node graph, without values."""
    _check_events(text)
    loader = _StrictLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_problem(exc)) from None
    finally:
        loader.dispose()


def construct_yaml(text: str, node: yaml.Node) -> Any:
    """Turn a node graph from :func:`compose_yaml` of ``text`` into Python values."""
    loader = _StrictLoader(text)
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        refused = YamlRefused if isinstance(exc, _DuplicateKey) else ScenarioError
        raise refused(_yaml_problem(exc)) from None
    except ValueError as exc:  # a date that does not exist, an integer of 5,000 digits...
        problem = "a number has too many digits" if "digits" in str(exc) else \
            "a value cannot be read (such as a date that does not exist)"
        raise ScenarioError(f"not valid YAML: {problem}") from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The parser's own words (fixed phrases, never the file's text) and where."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or "it cannot be parsed"
    return f"not valid YAML{where}: {problem}"


def _check_events(text: str) -> None:
    """Walk the parser's events once and refuse deep, huge or tagged documents early.

    The walk keeps, for every open collection, the running count of values at
    its start and the height of its deepest child, so that an alias counts as
    the values and levels of the node it stands for. It stops at the first
    event beyond a limit: the parser never looks far ahead (a simple key spans
    at most 1,024 characters), so its work stays proportional to the limits.
    """
    loader = _StrictLoader(text)
    values, aliases = 0, False
    sizes: dict[str, tuple[int, int]] = {}  # anchor: (values, height)
    stack: list[list] = []  # per open collection: [anchor, values at start, child height]
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                size, height = sizes.get(event.anchor, (1, 0))
                values += size
                aliases = True
            elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                _check_tag(event)
                values += 1
                if isinstance(event, yaml.CollectionStartEvent):
                    if len(stack) >= MAX_YAML_DEPTH:
                        raise YamlRefused(f"the YAML nests more than {MAX_YAML_DEPTH} levels "
                                          f"deep at {_at(event)} (the limit; real files need "
                                          "fewer than 10)")
                    stack.append([event.anchor, values - 1, 0])
                    if values > MAX_YAML_VALUES:
                        raise YamlRefused(_too_many(values, aliases, event))
                    continue
                size, height = 1, 0
                if event.anchor:
                    sizes[event.anchor] = (size, height)
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, start, children = stack.pop()
                size, height = values - start, children + 1
                if anchor:
                    sizes[anchor] = (size, height)
            else:
                continue
            if values > MAX_YAML_VALUES:
                raise YamlRefused(_too_many(values, aliases, event))
            if stack:
                stack[-1][2] = max(stack[-1][2], height)
                if len(stack) + height > MAX_YAML_DEPTH:
                    raise YamlRefused(f"the YAML nests more than {MAX_YAML_DEPTH} levels deep "
                                      f"once the alias at {_at(event)} is written out (the "
                                      "limit; real files need fewer than 10)")
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_problem(exc)) from None
    finally:
        loader.dispose()


def _check_tag(event: yaml.NodeEvent) -> None:
    """Refuse an explicit tag other than the plain ones (see :data:`PLAIN_TAGS`)."""
    if event.tag is not None and event.tag not in PLAIN_TAGS:
        raise YamlRefused(f"the YAML tag at {_at(event)} is refused: a tag other than !!str, "
                          "!!int, !!float, !!bool, !!null, !!seq or !!map (such as !!binary, "
                          "!!set or a custom tag) is not allowed; write the value plainly")


def _too_many(values: int, aliases: bool, event: yaml.Event) -> str:
    if aliases:
        return (f"its anchors and aliases (&name, *name) expand to {values:.3g} values or "
                f"more; the limit is {MAX_YAML_VALUES:,}: write the values out, or use fewer "
                "aliases")
    return (f"it holds more than {MAX_YAML_VALUES:,} values (the limit; {_at(event)} is past "
            "it): a scenario, sweep or claim file needs far fewer")


def _at(event: yaml.Event) -> str:
    mark = event.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def read_yaml(path: Path, what: str = "scenario file", text: str | bytes | None = None,
              keys: Collection[str] | None = None) -> dict:
    """Read a YAML mapping, turning every failure into a :class:`ScenarioError`.

    Parameters
    ----------
    path
        The file; messages name it.
    what
        The kind of file in messages (``scenario file``, ``sweep file``).
    text
        The file's contents (bytes are read as UTF-8), if already in memory;
        ``path`` is then not read.
    keys
        The top-level keys of this kind of file. If given, a file none of whose
        top-level keys is one of them (or close to one) is refused as not being
        of this kind, without showing its content.
    """
    shown = display_path(path)
    try:
        raw = read_bytes(path, what) if text is None else (
            text.encode("utf-8") if isinstance(text, str) else bytes(text))
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError(f"the file has {len(raw):,} bytes or more; a {what} may have "
                                f"at most {MAX_FILE_BYTES:,}")
        if b"\x00" in raw:
            raise ScenarioError(f"not a text file (it holds NUL bytes); a {what} is YAML text")
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"cannot read the file: it is not UTF-8 text (byte "
                                f"{exc.start + 1:,} is not valid UTF-8); a {what} is YAML "
                                "text in UTF-8") from None
        node = compose_yaml(decoded)
        if node is not None and keys is not None:
            _check_kind(node, what, keys)
        data = None if node is None else construct_yaml(decoded, node)
    except UnreadableFile as exc:
        if exc.missing:
            raise ScenarioError(f"no such {what}: {shown}") from None
        if exc.folder:
            raise ScenarioError(f"{what} {shown} is a folder, not a file") from None
        raise ScenarioError(exc.problems, shown) from None
    except ScenarioError as exc:
        raise type(exc)(exc.problems, shown) from None
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


def _check_kind(node: yaml.Node, what: str, keys: Collection[str]) -> None:
    """Refuse, without showing its content, a document that is not of the expected kind."""
    if not isinstance(node, yaml.MappingNode):
        kind = "list" if isinstance(node, yaml.SequenceNode) else "single value"
        raise NotOfKind(f"not a {what}: a {what} is a mapping of sections, not a {kind} (its "
                        "content is not shown)")
    found = [k.value for k, _ in node.value
             if isinstance(k, yaml.ScalarNode) and k.tag == "tag:yaml.org,2002:str"]
    if not found:
        return  # only keys that are not text (or merges): the constructor and validation tell
    if all(k in keys for k in found):
        return
    telling = [k for k in keys if k not in GENERIC_KEYS]
    if any(k in telling or difflib.get_close_matches(k, telling, n=1, cutoff=0.8)
           for k in found):
        return
    raise NotOfKind(f"not a {what}: none of its {len(found):,} top-level keys is one of a "
                    f"{what}'s ({', '.join(sorted(keys))}); its content is not shown")


def read_bytes(path: Path, what: str = "file", limit: int = MAX_FILE_BYTES) -> bytes:
    """Read at most ``limit`` + 1 bytes of a regular file, with a clear error for anything else.

    The file is opened without blocking (a FIFO cannot hang the reader) and
    checked to be a regular file before anything is read: a folder, a FIFO, a
    device or a socket is refused by name, and so are a path with a NUL byte,
    a path too long for the system and a loop of symbolic links.

    Raises
    ------
    UnreadableFile
        Naming the problem (the caller adds the file's name).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    problem = path_problem(str(path))
    if problem:
        raise UnreadableFile(problem)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(os_problem(exc, what), missing=exc.errno == errno.ENOENT,
                             folder=exc.errno == errno.EISDIR) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"it is {file_kind(info.st_mode)}, not a {what}",
                                 folder=stat.S_ISDIR(info.st_mode))
        if info.st_size > limit:
            raise UnreadableFile(f"the file has {info.st_size:,} bytes; a {what} may have at "
                                f"most {limit:,}")
        os.set_blocking(fd, True)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(os_problem(exc, what)) from None
    finally:
        os.close(fd)


def path_problem(text: str) -> str | None:
    """Say what makes ``text`` unusable as a path before the system is asked, or None."""
    if "\x00" in text:
        return "the path holds a NUL byte, which no file name can"
    if len(text) > MAX_PATH_CHARS:
        return (f"the path has {len(text):,} characters; the limit is {MAX_PATH_CHARS:,}")
    return None


def os_problem(exc: OSError, what: str = "file") -> str:
    """An :class:`OSError` from opening or reading a file, in words (no file content)."""
    words = {
        errno.ENOENT: f"no such {what}",
        errno.ENOTDIR: f"no such {what} (a part of the path is not a folder)",
        errno.ELOOP: "the path goes round a loop of symbolic links",
        errno.ENAMETOOLONG: "the path, or a name in it, is too long for the system",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EISDIR: f"it is a folder, not a {what}",
        errno.ENXIO: f"it is a FIFO or socket with nothing behind it, not a {what}",
    }
    return words.get(exc.errno, f"cannot read it ({exc.strerror or type(exc).__name__})")


def file_kind(mode: int) -> str:
    """What a non-regular file is, with its article: ``a folder``, ``a FIFO``..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def display_path(path: Path | str) -> str:
    """Show a path for a message: relative to the working directory when it lies below it.

    Control characters are escaped and a very long path is shortened, so that
    the message stays one readable line whatever the path holds.
    """
    text = str(path)
    if not path_problem(text):
        try:
            text = str(Path(path).resolve().relative_to(Path.cwd().resolve()))
        except (ValueError, OSError, RuntimeError):  # outside, or a loop: as given
            pass
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 200 else f"{text[:120]}...{text[-60:]} ({len(text):,} characters)"

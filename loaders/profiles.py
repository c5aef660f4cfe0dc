"""Column mapping profiles: how one agency's export layout maps onto the exchange format.

A profile is a small YAML file (``loaders/profiles/*.yaml``, or any path given with
``--profile``)::

    name: 无锡市交通运输局执法系统导出
    kind: penalties                 # the file kind this layout holds
    agency: 无锡市交通运输局        # optional: recorded as the agency of the load
    columns:                        # the agency's header -> an exchange-format column
      案件编号: decision_no
      当事人统一社会信用代码: subject_id

So an agency that names a column differently is handled by configuration, not code. A
profile applies when named, or by itself when every header it maps is in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from graph_model import yamlfile
from loaders.errors import LoadError
from loaders.kinds import kinds


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    columns: dict[str, str]
    agency: str | None = None
    source: str = ""

    def matches(self, headers: list[str]) -> bool:
        return all(h in headers for h in self.columns)


def parse_profile(text: str, source: str) -> Profile:
    try:
        doc = yamlfile.parse(text, source)
        kind = doc["kind"]
        columns = {str(k): str(v) for k, v in doc["columns"].items()}
    except yamlfile.DataFileError as exc:
        raise LoadError(source, f"not a mapping profile (needs kind and columns): {exc.reason}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise LoadError(source, f"not a mapping profile (needs kind and columns): {exc}") from None
    if kind not in kinds():
        raise LoadError(source, f"profile kind {kind!r} is not one of {', '.join(kinds())}")
    unknown = sorted(set(columns.values()) - set(kinds()[kind].columns))
    if unknown:
        raise LoadError(source, f"profile maps to unknown {kind} column(s): {', '.join(unknown)}")
    return Profile(doc.get("name", Path(source).stem), kind, columns, doc.get("agency"), source)


@cache
def bundled() -> tuple[Profile, ...]:
    folder = resources.files("loaders").joinpath("profiles")
    return tuple(parse_profile(f.read_text(encoding="utf-8"), f"loaders/profiles/{f.name}")
                 for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".yaml"))


def find_profile(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse_profile(path.read_text(encoding="utf-8"), str(path))
    for profile in bundled():
        if name_or_path in (profile.name, Path(profile.source).stem):
            return profile
    names = ", ".join(Path(p.source).stem for p in bundled())
    raise LoadError(name_or_path, f"no such mapping profile (bundled: {names})")


def matching_profile(headers: list[str]) -> Profile | None:
    """The bundled profile whose mapped headers all appear, the most specific first."""
    hits = [p for p in bundled() if p.matches(headers)]
    return max(hits, key=lambda p: len(p.columns)) if hits else None

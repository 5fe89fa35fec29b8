"""Mapping presets: a CRM export (Salesforce, a dealer CRM, a DMS, a spreadsheet) as a contract dataset.

A preset is a YAML file in ``config/mappings/``; its name is the file name without ``.yaml``::

    title: Salesforce opportunity report
    dataset: opportunities              # the contract dataset it feeds
    description: Standard "Opportunities" report, exported as CSV or Excel
    formats:                            # how the source writes values (ISO is always read too)
      date: ["%m/%d/%Y"]                # strptime patterns, tried in order
      timestamp: ["%m/%d/%Y %I:%M %p"]
      month: []
      thousands: ","                    # "1,234.50"; the groups of three digits are checked
      decimal: "."
      currency: ["$", "USD"]            # removed from numbers
      true_values: ["1", "Yes"]         # more spellings of a boolean, any letter case
      false_values: ["0", "No"]
    skip_when_blank: [Opportunity ID]   # footer and subtotal lines: rows blank in all of these
    columns:                            # contract column -> where its value comes from
      opportunity_id: Opportunity ID    # a source column
      powertrain: {value: AGNOSTIC}     # a constant
      forecast_category:                # a source column whose values are mapped
        source: Forecast Category
        values: {Pipeline: PIPELINE, Best Case: BEST_CASE, Commit: COMMIT, Omitted: OMITTED, Closed: ""}
        optional: true                  # the file may lack the column (then it is blank)
      status:                           # the first case whose conditions all hold, else otherwise
        cases:
          - {when: {Won: "1"}, then: WON}
          - {when: {Closed: "1"}, then: LOST}
        otherwise: OPEN
    defaults:                           # for a column without a rule, a missing source or a blank cell
      is_rfq: "false"

Rules: a value map matches the source value without surrounding spaces in any letter case; a
value it does not list is kept as written (so the import names it) unless ``otherwise`` is
given, which then takes every unlisted value, blank included. After mapping, each value is
rewritten for its contract column's kind: dates, timestamps and months in ISO, numbers without
currency signs and thousands separators with ``.`` as decimal point, the preset's boolean
spellings as ``true``/``false``. A value no pattern reads is kept as written, and the import
names it with its row, column and fix. Row numbers stay those of the source file (its header
is row 1). The mapped file then goes through the canonical import (``importer.py``): every
check, all or nothing.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TextIO

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from revops_core.config import config_dir
from revops_core.contract import DATASET_BY_NAME, DEFAULT_MAX_AMOUNT, JOURNEYS
from revops_core.errors import RevOpsError
from revops_core.exporter import csv_line
from revops_core.importer import UnreadableFile, read_chunks, validate
from revops_core.uploads import Source

NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,59}")
PREVIEW_ROWS = 20
_ISO = {"date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "month": re.compile(r"[0-9]{4}-[0-9]{2}"),
        "timestamp": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?")}
_OUT = {"date": "%Y-%m-%d", "month": "%Y-%m", "timestamp": "%Y-%m-%dT%H:%M:%S"}
_ISO_TIMES = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")

# Choices offered by the mapping editor: label -> date patterns; label -> (thousands, decimal).
DATE_STYLES: dict[str, tuple[str, ...]] = {
    "ISO (2026-06-30)": (), "US (6/30/2026)": ("%m/%d/%Y",), "European (30/06/2026)": ("%d/%m/%Y",),
    "German (30.06.2026)": ("%d.%m.%Y",),
}
NUMBER_STYLES: dict[str, tuple[str, str]] = {
    "1234.5": ("", "."), "1,234.50": (",", "."), "1.234,50": (".", ","), "1 234,50": (" ", ","),
}


class MappingError(RevOpsError):
    """A preset cannot be used; ``problems`` name the file and key (or the name) and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _as_text(value: object) -> object:
    """YAML scalars as the text they stand for (``false`` -> "false", ``1`` -> "1")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Formats(_Model):
    """How the source writes dates, numbers and booleans (see the module docstring)."""

    date: tuple[str, ...] = ()
    timestamp: tuple[str, ...] = ()
    month: tuple[str, ...] = ()
    thousands: str = ""
    decimal: str = Field(".", min_length=1, max_length=1)
    currency: tuple[str, ...] = ()
    true_values: tuple[Text, ...] = ()
    false_values: tuple[Text, ...] = ()


class Case(_Model):
    """``then`` when every source column of ``when`` holds one of its values."""

    when: dict[str, Text | tuple[Text, ...]] = Field(min_length=1)
    then: Text


class Rule(_Model):
    """Where one contract column's value comes from: a source column (values mapped), a constant, or cases."""

    source: str | None = None
    value: Text | None = None
    values: dict[Text, Text] = {}
    cases: tuple[Case, ...] = ()
    otherwise: Text | None = None
    optional: bool = False

    @model_validator(mode="after")
    def _one_origin(self) -> Rule:
        origins = [self.source is not None, self.value is not None, bool(self.cases)]
        if sum(origins) != 1:
            raise ValueError("give exactly one of source, value or cases")
        if self.values and self.source is None:
            raise ValueError("values map the values of a source column; give source too")
        return self

    def sources(self) -> tuple[str, ...]:
        """The source columns this rule reads."""
        if self.source is not None:
            return (self.source,)
        return tuple(dict.fromkeys(c for case in self.cases for c in case.when))


class Preset(_Model):
    """A mapping preset (see the module docstring)."""

    title: str = Field(min_length=1)
    dataset: str
    description: str = ""
    formats: Formats = Formats()
    skip_when_blank: tuple[str, ...] = ()
    columns: dict[str, Rule] = {}
    defaults: dict[str, Text] = {}

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        """``column: Source Column`` is short for ``column: {source: Source Column}``."""
        if isinstance(value, dict):
            return {k: {"source": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _fits_the_dataset(self) -> Preset:
        ds = DATASET_BY_NAME.get(self.dataset)
        if ds is None:
            raise ValueError(f"dataset {self.dataset!r} is not a contract dataset ({', '.join(DATASET_BY_NAME)})")
        unknown = [c for c in [*self.columns, *self.defaults] if c not in ds.column_names]
        if unknown:
            raise ValueError(f"not columns of {self.dataset}: {', '.join(unknown)} "
                             f"(known: {', '.join(ds.column_names)})")
        given = {*self.columns, *self.defaults}
        missing = [c.name for c in ds.columns if c.required and c.name not in given]
        if missing:
            raise ValueError(f"required columns without a rule or a default: {', '.join(missing)}")
        return self

    def sources(self) -> tuple[str, ...]:
        """Every source column the preset reads, in column order."""
        return tuple(dict.fromkeys([*(s for r in self.columns.values() for s in r.sources()), *self.skip_when_blank]))

    def required_sources(self) -> tuple[str, ...]:
        """The source columns a file must have: those of required columns without a default or ``optional``."""
        ds = DATASET_BY_NAME[self.dataset]
        return tuple(dict.fromkeys(s for c in ds.columns if c.required and c.name not in self.defaults
                                   for r in [self.columns.get(c.name)] if r is not None and not r.optional
                                   for s in r.sources()))


# ---- loading and saving -------------------------------------------------------------------------
def mappings_dir(config_folder: str | Path | None = None) -> Path:
    """The presets folder: ``mappings/`` in the config folder in use."""
    return config_dir(config_folder) / "mappings"


def _describe(path: Path, exc: ValidationError) -> list[str]:
    return [f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()]


def read_preset(path: Path) -> Preset:
    """The preset in ``path``; raises ``MappingError`` listing every problem with its file and key."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError([f"{path}: cannot be read ({exc})"]) from exc
    except yaml.YAMLError as exc:
        raise MappingError([f"{path}: not valid YAML ({exc})"]) from exc
    try:
        return Preset.model_validate(raw or {})
    except ValidationError as exc:
        raise MappingError(_describe(path, exc)) from exc


def load_presets(folder: Path) -> tuple[dict[str, Preset], list[str]]:
    """Every preset in ``folder`` by name, and the problems of those that cannot be used."""
    presets: dict[str, Preset] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        try:
            presets[path.stem] = read_preset(path)
        except MappingError as exc:
            problems += exc.problems
    return presets, problems


def load_preset(ref: str, folder: Path) -> tuple[str, Preset]:
    """(name, preset) for ``ref``: a preset name in ``folder``, or a path to a ``.yaml`` file."""
    is_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref
    path = Path(ref) if is_path else folder / f"{ref}.yaml"
    if (is_path or NAME.fullmatch(ref)) and path.is_file():
        return path.stem, read_preset(path)
    known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) if folder.is_dir() else "none"
    raise MappingError([f"mapping preset {ref!r} not found; give a name in {folder} ({known}) or the path of a "
                        ".yaml file"])


def preset_yaml(preset: Preset) -> str:
    """The preset as YAML (a column taken as is written as just its source column)."""
    body = preset.model_dump(exclude_defaults=True)
    body["columns"] = {name: rule.get("source") if set(rule) == {"source"} else rule
                       for name, rule in body.get("columns", {}).items()}
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def save_preset(preset: Preset, name: str, folder: Path, overwrite: bool = False) -> Path:
    """Write ``preset`` as ``folder/<name>.yaml`` (``name``: lower-case letters, digits, ``_``)."""
    if not NAME.fullmatch(name):
        raise MappingError([f"{name!r} cannot name a preset; use lower-case letters, digits and _ (e.g. my_crm_leads), "
                            "at most 60 characters"])
    path = folder / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise MappingError([f"a preset called {name} exists already; pick another name"])
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(preset_yaml(preset), encoding="utf-8")
    return path


# ---- mapping rows ---------------------------------------------------------------------------------
def _source(raw: pd.DataFrame, name: str) -> pd.Series:
    """A source column as strings (blank when the file lacks it)."""
    if name in raw.columns:
        return raw[name].astype(object).fillna("")
    return pd.Series("", index=raw.index, dtype=object)


def _key(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.casefold()


def _mapped(values: pd.Series, rule: Rule) -> pd.Series:
    """Source values through the rule's value map (unlisted: as written, or ``otherwise``)."""
    table = {k.strip().casefold(): v for k, v in rule.values.items()}
    hit = _key(values).map(table)
    fallback = values if rule.otherwise is None else pd.Series(rule.otherwise, index=values.index, dtype=object)
    return hit.where(hit.notna(), fallback).astype(object)


def _cases(raw: pd.DataFrame, rule: Rule) -> pd.Series:
    """The first case whose conditions all hold, else ``otherwise`` (blank when not given)."""
    out = pd.Series(None, index=raw.index, dtype=object)
    for case in rule.cases:
        hold = np.ones(len(raw), dtype=bool)
        for column, wanted in case.when.items():
            options = {w.strip().casefold() for w in ((wanted,) if isinstance(wanted, str) else wanted)}
            hold &= _key(_source(raw, column)).isin(options).to_numpy(dtype=bool)
        out[(out.isna().to_numpy(dtype=bool)) & hold] = case.then
    return out.fillna(rule.otherwise or "")


def _rule_values(raw: pd.DataFrame, rule: Rule | None) -> pd.Series:
    if rule is None:
        return pd.Series("", index=raw.index, dtype=object)
    if rule.value is not None:
        return pd.Series(rule.value, index=raw.index, dtype=object)
    if rule.cases:
        return _cases(raw, rule)
    values = _source(raw, rule.source)  # type: ignore[arg-type]
    return _mapped(values, rule) if rule.values or rule.otherwise is not None else values


def _dates(values: pd.Series, kind: str, patterns: Sequence[str]) -> pd.Series:
    """Dates, months or timestamps rewritten in ISO with the first pattern that reads them."""
    text = values.astype(str).str.strip()
    out = values.copy()
    todo = (text != "") & ~text.str.fullmatch(_ISO[kind].pattern)
    for pattern in patterns:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=pattern, errors="coerce")
        done = parsed.notna()
        out.loc[done[done].index] = parsed[done].dt.strftime(_OUT[kind])
        todo.loc[done[done].index] = False
    return out


def _number_pattern(formats: Formats) -> str:
    thousands, decimal = re.escape(formats.thousands), re.escape(formats.decimal)
    whole = rf"([0-9]{{1,3}}({thousands}[0-9]{{3}})+|[0-9]+)" if formats.thousands else r"[0-9]+"
    return rf"[+-]?{whole}({decimal}[0-9]*)?"


def _numbers(values: pd.Series, formats: Formats) -> pd.Series:
    """Numbers without currency signs and thousands separators, ``.`` as the decimal point."""
    text = values.astype(str).str.strip()
    for sign in formats.currency:
        text = text.str.replace(sign, "", regex=False)
    text = text.str.strip()
    readable = text.str.fullmatch(_number_pattern(formats)).fillna(False).astype(bool)
    if formats.thousands:
        text = text.str.replace(formats.thousands, "", regex=False)
    text = text.str.replace(formats.decimal, ".", regex=False)
    return text.where(readable, values).astype(object)


def _booleans(values: pd.Series, formats: Formats) -> pd.Series:
    key = _key(values)
    yes = key.isin({v.casefold() for v in formats.true_values} | {"true"})
    no = key.isin({v.casefold() for v in formats.false_values} | {"false"})
    return values.where(~yes, "true").where(~no, "false").astype(object)


def _formatted(values: pd.Series, kind: str, formats: Formats) -> pd.Series:
    """``values`` rewritten as the contract spells a ``kind`` (what no pattern reads is kept as written)."""
    if kind == "date":
        return _dates(values, kind, (*formats.date, *formats.timestamp, *_ISO_TIMES))
    if kind == "timestamp":
        return _dates(values, kind, (*formats.timestamp, *formats.date, "%Y-%m-%d"))
    if kind == "month":
        return _dates(values, kind, formats.month)
    if kind in ("int", "float"):
        return _numbers(values, formats)
    return _booleans(values, formats) if kind == "bool" else values


def _skipped(raw: pd.DataFrame, preset: Preset) -> np.ndarray:
    """Rows blank in every ``skip_when_blank`` column (footer and subtotal lines of a report)."""
    if not preset.skip_when_blank:
        return np.zeros(len(raw), dtype=bool)
    blank = [(_source(raw, c).astype(str).str.strip() == "").to_numpy(dtype=bool) for c in preset.skip_when_blank]
    return np.logical_and.reduce(blank)


def map_frame(raw: pd.DataFrame, preset: Preset) -> pd.DataFrame:
    """Source rows (string frame, index = row numbers) as contract rows of the preset's dataset (strings).

    Rows ``skip_when_blank`` names are left out; the others keep their row numbers.
    """
    raw = raw[~_skipped(raw, preset)]
    ds = DATASET_BY_NAME[preset.dataset]
    out: dict[str, pd.Series] = {}
    for col in ds.columns:
        values = _formatted(_rule_values(raw, preset.columns.get(col.name)), col.kind, preset.formats)
        default = preset.defaults.get(col.name)
        if default is not None:
            values = values.where(values.astype(str).str.strip() != "", default)
        out[col.name] = values.astype(object).fillna("")
    return pd.DataFrame(out, index=raw.index, columns=list(ds.column_names))


# ---- whole files ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    """A source file mapped to ``dataset``: rows written, rows skipped, warnings, and the problems that
    stopped it (then nothing was written)."""

    dataset: str
    rows: int
    skipped: int
    warnings: tuple[str, ...]
    problems: tuple[str, ...]


def header_problems(preset: Preset, name: str, header: Collection[str], shown: str) -> tuple[list[str], list[str]]:
    """(problems, warnings) of a source header: needed columns missing; columns left blank or unused."""
    problems, warnings = [], []
    needed = set(preset.required_sources())
    for source in (s for s in preset.sources() if s not in header):
        what = f"{shown}: column {source!r} is not in the header"
        if source in needed:
            problems.append(f"{what}; preset {name} reads it for a required column: export the report with that "
                            "column, or choose or edit another preset")
        else:
            warnings.append(f"{what}; preset {name} leaves what it feeds blank (or its default)")
    unused = [h for h in header if h and h not in set(preset.sources())]
    if unused:
        shown_unused = ", ".join(unused[:8]) + (f" and {len(unused) - 8} more" if len(unused) > 8 else "")
        warnings.append(f"{shown}: column(s) {shown_unused} are not used by preset {name}; ignored")
    return problems, warnings


def _write_mapped(out: TextIO, frame: pd.DataFrame, last: int) -> int:
    """Append mapped rows, blank lines filling the gaps, so each row keeps its source row number."""
    for row, cells in zip(frame.index.tolist(), frame.itertuples(index=False, name=None)):
        out.write("\n" * (int(row) - last - 1) + csv_line(cells))
        last = int(row)
    return last


def _write_file(target: Path, chunks: Iterable[pd.DataFrame], preset: Preset) -> tuple[int, int]:
    """Write every chunk mapped into the contract CSV ``target``: (rows written, rows skipped)."""
    rows = skipped = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write(csv_line(DATASET_BY_NAME[preset.dataset].column_names))
        last = 1
        for chunk in chunks:
            mapped = map_frame(chunk, preset)
            last = _write_mapped(out, mapped, last)
            rows, skipped = rows + len(mapped), skipped + len(chunk) - len(mapped)
    return rows, skipped


def map_csv(source: Path, preset: Preset, name: str, target: Path, shown: str) -> Mapped:
    """Map a source CSV file chunk by chunk into the contract CSV ``target``.

    Nothing is written when the file cannot be read or its header lacks a column the preset
    needs (``problems`` then say which and what to do).
    """
    ds = DATASET_BY_NAME[preset.dataset]
    try:
        chunks = read_chunks(source)
        first = next(chunks)
        problems, warnings = header_problems(preset, name, list(first.columns), shown)
        if problems:
            return Mapped(ds.name, 0, 0, tuple(warnings), tuple(problems))
        rows, skipped = _write_file(target, itertools.chain([first], chunks), preset)
    except UnreadableFile as exc:
        target.unlink(missing_ok=True)
        return Mapped(ds.name, 0, 0, (), tuple(f"{shown}{tail}" for _, tail in exc.problems))
    if skipped:
        warnings.append(f"{shown}: {skipped:,} row(s) blank in {', '.join(preset.skip_when_blank)} skipped "
                        "(report footers and subtotals)")
    return Mapped(ds.name, rows, skipped, tuple(warnings), ())


def detect(header: Collection[str], presets: Mapping[str, Preset]) -> str | None:
    """The preset a header fits: every column it needs is there; the most columns used wins (then the name)."""
    have = set(header)
    fits = [(len(have & set(p.sources())), name) for name, p in presets.items()
            if p.required_sources() and set(p.required_sources()) <= have]
    return min(fits, key=lambda f: (-f[0], f[1]))[1] if fits else None


@dataclass(frozen=True)
class MappedSources:
    """What mapping the staged sources did: datasets written, warnings, problems, file labels."""

    datasets: tuple[str, ...]
    warnings: tuple[str, ...]
    problems: tuple[str, ...]
    labels: Mapping[str, str]


def map_sources(choices: Iterable[tuple[Source, tuple[str, Preset] | None]], folder: Path,
                taken: Collection[str] = ()) -> MappedSources:
    """Map each staged source with its chosen (name, preset) into ``folder/<dataset>.csv``.

    A source without a preset is ignored with a warning; one whose dataset already has a file
    (``taken`` or an earlier source) too. ``labels`` name each mapped file after its source.
    """
    written, warnings, problems, labels = list(taken), [], [], {}
    for source, chosen in choices:
        if chosen is None:
            warnings.append(f"{source.shown!r}: not a contract file name (<dataset>.csv or <dataset>.xlsx, e.g. "
                            "accounts.csv) and no mapping preset was chosen for it; ignored")
        elif chosen[1].dataset in written:
            warnings.append(f"{source.shown!r}: {chosen[1].dataset} has a file already; ignored")
        else:
            done = map_csv(source.path, chosen[1], chosen[0], folder / f"{chosen[1].dataset}.csv", source.shown)
            warnings += done.warnings
            problems += done.problems
            written.append(done.dataset)
            labels[f"{done.dataset}.csv"] = f"{source.shown} (as {done.dataset}.csv)"
    return MappedSources(tuple(w for w in written if w not in taken), tuple(warnings), tuple(problems), labels)


# ---- the mapping editor ------------------------------------------------------------------------------
def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest(dataset: str, header: Sequence[str]) -> dict[str, str]:
    """Contract column -> the source column of the same name (letter case, spaces and ``_`` aside)."""
    by_name = {_normal(h): h for h in header}
    return {c.name: by_name[_normal(c.name)] for c in DATASET_BY_NAME[dataset].columns if _normal(c.name) in by_name}


def sample_values(frame: pd.DataFrame, column: str, limit: int = 20) -> list[str]:
    """The first ``limit`` distinct non-blank values of a source column (for a value map)."""
    if column not in frame.columns:
        return []
    values = frame[column].astype(str).str.strip()
    return list(dict.fromkeys(v for v in values if v))[:limit]


def build_preset(body: Mapping[str, object]) -> Preset:
    """A preset from the editor's choices (the YAML structure as a dict); raises ``MappingError``."""
    try:
        return Preset.model_validate(dict(body))
    except ValidationError as exc:
        raise MappingError([f"{'.'.join(str(p) for p in e['loc']) or 'preset'}: {e['msg']}"
                            for e in exc.errors()]) from exc


def preview(raw: pd.DataFrame, preset: Preset, journeys: Collection[str] = JOURNEYS,
            max_amount: float = DEFAULT_MAX_AMOUNT) -> tuple[pd.DataFrame, list[str]]:
    """The first ``PREVIEW_ROWS`` mapped rows and their problems (links to other datasets are not checked)."""
    mapped = map_frame(raw.head(PREVIEW_ROWS), preset)
    ds = DATASET_BY_NAME[preset.dataset]
    targets = {c.references.split(".")[0] for c in ds.columns if c.references}
    _, problems, _ = validate({ds.name: mapped.astype(str)}, journeys, unreadable=targets, max_amount=max_amount)
    return mapped, problems

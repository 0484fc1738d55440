"""An institution's project: ``syncguard.toml`` and its own rules, found from where it runs.

A project extends the packaged Handshake contract: its ``rules/`` folder may add rules and
tune any check (``overrides:``); ``syncguard.toml`` holds the institution's settings (their one
home: a rule file holds none) and where reports and the history go. ``syncguard check`` looks for
``syncguard.toml`` in the working directory and its parents (or takes ``--config``), so a
cron line needs no more than the export's path. A project file (and its rule folders and
check modules) is obeyed only when this user or root owns it and no one else can write it:
one in a shared parent folder stops the run (docs/security.md).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncguard.defaults import default_rules
from syncguard.display import printable
from syncguard.errors import UsageError
from syncguard.suite.settings import SETTINGS, setting_problem
from syncguard.trust import require_trusted

CONFIG = "syncguard.toml"
SECTIONS = {"project": ("contract", "rules", "report_dir", "history"), "settings": tuple(SETTINGS)}

TEMPLATE = """# syncguard project of {name}: checking the Handshake student sync export.
# syncguard finds this file from the folder it runs in (or its parents), or with --config.

[project]
# contract = "packaged"   # the Handshake EU contract shipped with syncguard (or a folder)
rules = "rules"           # this project's own rule files: they extend the contract
report_dir = "reports"    # where run folders, index.html and latest.html go
# history = "reports/history.sqlite"

[settings]
# The institution's settings live here, and only here (a rule file holds none); rules read
# them as ${{name}}. 'syncguard suggest EXPORT.csv' drafts this table from a good export.
# The institution's email domains (subdomains included). Empty: inferred from the export
# when one domain holds a clear majority, else the gate fails and asks for them here.
email_domains = []
sso = false               # true when students log in by SSO (auth_identifier required)
sync = "automatic"        # automatic | manual: how files reach Handshake
upload = "full"           # full | changes: whole exports, or just the changes
max_row_drop = 0.10       # full uploads: a drop of more rows than this share fails
email_change_share = 0.10 # from this share of changed emails on, the importer updates none
# The same-person test: a known username (or auth_identifier) on a row of another person
# hands them that student's account. Another person: none of these agrees, and at least
# takeover_min_differing of them differ (a blank is unknown, never a difference).
takeover_min_differing = 2
same_person_fingerprints = ["username", "email_address", "auth_identifier", "card_id", "name"]
# Allow-lists (empty: any value):
# campus_names = ["Main"] # the campuses set up in Handshake
# college_names = []      # the institution's colleges
# major_names = []        # the institution's courses
# today = "2026-11-29"    # the date counted as today (--as-of); empty: the real date
"""

RULES_TEMPLATE = """# {name}'s own rules: they extend the packaged Handshake contract.
# Add rules (each with its basis) and tune any check; settings go in syncguard.toml, never
# here. `syncguard rules` lists every check; `syncguard explain ID` explains one. See the
# analysts' guide (rules/README.md of syncguard) for the kinds.
rules: []
# - id: card_id.ten_digits
#   kind: pattern
#   column: card_id
#   params: {{regex: "[0-9]{{10}}"}}
#   severity: warning
#   description: A card ID is ten digits, as our card readers print it.
#   basis: "practice: our card readers print ten digits"
#   fix: Copy the card ID from the card system, all ten digits.

overrides: []
# - id: compare.school_year_backwards
#   enabled: false
#   reason: our record system resets the school year of students on leave
"""


@dataclass(frozen=True)
class Project:
    """Where a run takes its rules, settings, reports and history from."""

    config: Path | None
    """The syncguard.toml used (None: no project, the packaged contract alone)."""
    contract: Path = field(default_factory=default_rules)
    rules: Path | None = None
    report_dir: Path = Path("reports")
    history: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> tuple[Path, ...]:
        """What the run used: the config, the contract and the project's rules."""
        return tuple(p for p in (self.config, self.contract, self.rules) if p is not None)


def find(start: Path) -> Path | None:
    """The nearest syncguard.toml in ``start`` or a parent folder."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG
        if candidate.is_file():
            return candidate
    return None


def load(config: Path | None) -> Project:
    """Read a project's syncguard.toml (None: the packaged contract alone).

    The file must be this user's or root's and writable by no one else (see
    :func:`syncguard.trust.require_trusted`): one found in a shared parent folder is refused,
    and so is one given with ``--config``. Its rule folders and check modules are checked
    when the suite loads them.

    Raises:
        UsageError: the file cannot be read or trusted, is not TOML, or holds a wrong key or
            value.
    """
    if config is None:
        return Project(None)
    require_trusted(
        config,
        "project file",
        "otherwise do not use it: have it removed, or copy what you need into a folder of your "
        "own and pass that file with --config",
    )
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{config}: cannot read the project file ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{config}: not valid TOML ({exc}); fix the file") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise UsageError(
            f"{config}: nested too deeply to be a project file; a syncguard.toml holds flat "
            "[project] and [settings] keys, so fix the file"
        ) from None
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise UsageError(
                f"{config}: unknown section [{section}]; known: "
                + ", ".join(f"[{s}]" for s in SECTIONS)
            )
        for key in values:
            if key not in SECTIONS[section]:
                raise UsageError(
                    f"{config}: unknown key '{key}' in [{section}]; known: "
                    + ", ".join(SECTIONS[section])
                )
    settings = dict(data.get("settings", {}))
    for key, value in settings.items():
        problem = setting_problem(key, value)
        if problem is not None:
            raise UsageError(f"{config}: {problem}")
    base = config.parent
    project = data.get("project", {})

    def path(key: str) -> Path | None:
        value = project.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise UsageError(f"{config}: '{key}' in [project] must be a path")
        return (base / value).resolve()

    contract_text = project.get("contract", "packaged")
    contract = default_rules() if contract_text == "packaged" else path("contract")
    rules = path("rules")
    for name, where in (("contract", contract), ("rules", rules)):
        if where is not None and not where.exists():
            raise UsageError(f"{config}: the {name} folder {where} does not exist")
    return Project(
        config=config,
        contract=contract or default_rules(),
        rules=rules,
        report_dir=path("report_dir") or base / "reports",
        history=path("history"),
        settings=settings,
    )


def init(folder: Path) -> list[Path]:
    """Make a project in ``folder``: syncguard.toml and rules/local.yaml, whole or not at all.

    Each file is created new (``O_EXCL|O_NOFOLLOW``: never over a file, never through a
    link, even one made meanwhile); when the second cannot be made, the first is removed (and
    the rules folder, when this made it).

    Raises:
        UsageError: a file to be written exists already (or is a link), or the folder cannot
            be written.
    """
    import contextlib
    import errno
    import os

    config = folder / CONFIG
    rules = folder / "rules" / "local.yaml"
    for target in (config, rules):
        if target.exists() or target.is_symlink():
            raise UsageError(f"{target}: exists already; syncguard init never overwrites a file")
    # the folder's name goes into comments: spelled, so it cannot end a comment line
    name = printable(folder.resolve().name) or "the institution"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    made: list[Path] = []
    new_folder = not rules.parent.exists()
    try:
        rules.parent.mkdir(parents=True, exist_ok=True)
        for target, text in (
            (config, TEMPLATE.format(name=name)),
            (rules, RULES_TEMPLATE.format(name=name)),
        ):
            fd = os.open(target, flags, 0o666)
            made.append(target)
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
    except BaseException as exc:
        for path in made:
            path.unlink(missing_ok=True)
        if new_folder:
            with contextlib.suppress(OSError):
                rules.parent.rmdir()
        if not isinstance(exc, OSError):
            raise
        if exc.errno in (errno.EEXIST, errno.ELOOP):
            raise UsageError(
                f"{exc.filename or folder}: exists already (a file or a link); syncguard init "
                "never overwrites a file"
            ) from None
        raise UsageError(f"{folder}: cannot make a project here ({exc.strerror})") from None
    return [config, rules]

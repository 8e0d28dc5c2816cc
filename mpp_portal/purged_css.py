"""Bootstrap's CSS and its icon font's CSS, cut down to what the portal uses.

All of Bootstrap and every icon made 316 KiB of CSS on a first visit (236 KiB
on the TV board). ``PurgedCssFinder``, first in STATICFILES_FINDERS, serves
``vendor/bootstrap/css/bootstrap.min.css`` and
``vendor/bootstrap-icons/bootstrap-icons.min.css`` under their own names with
only the rules whose classes appear somewhere in the portal, so templates
link them as before: the development server (whitenoise reads the finders)
and ``collectstatic`` (a deployment) both get the cut files, built again
whenever a template, script or Python file changed.

What counts as used: every word of every template (the project's and every
installed app's, crispy-bootstrap5's included), every JavaScript file under
static/ (Bootstrap's own script adds ``show``, ``collapsing``, ``fade``...
at run time) and every Python file of the project (form widgets' classes).
A class written from parts (``alert-{{ level }}``, ``"text-bg-" + x``,
```bi-${name}```) keeps every class with that prefix. A selector is kept
when each class it needs is used; classes inside ``:not()`` are not needed.
"""

import functools
import hashlib
import re
import time
from pathlib import Path

import tinycss2
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PURGED = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
)
# Classes no template names that still appear: Bootstrap's validation state
# set by the browser-side check, and the states its script toggles (also
# found in its bundle; listed so a bundle update cannot lose them).
SAFELIST = {
    "was-validated",
    "is-invalid",
    "is-valid",
    "show",
    "showing",
    "hiding",
    "collapsing",
    "fade",
    "active",
    "disabled",
    "modal-open",
    "modal-backdrop",
    "offcanvas-backdrop",
    "dropdown-menu-end",
}

WORD = re.compile(r"[A-Za-z0-9_-]+")
# "alert-{{ x }}", "alert-{% if %}", `bi-${x}`, "text-bg-" + x, 'btn-' + x
PREFIX = re.compile(r"([A-Za-z][\w-]*-)(?:\{\{|\{%|\$\{|['\"]\s*\+|['\"]\s*\.concat|['\"]\s*%\s*)")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
NOT = re.compile(r":not\([^()]*\)")


def _source_files():
    """Every file whose words may name a class."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    dirs += [Path(app.path) / "templates" for app in apps.get_app_configs()]
    files = [f for d in dirs if d.is_dir() for f in d.rglob("*") if f.suffix in {".html", ".txt"}]
    # Scripts and Python of the project only: the API docs' and the admin's
    # scripts run on pages with CSS of their own.
    own = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(base) and ".venv" not in Path(app.path).parts
    ]
    static_dirs = [Path(d) for d in settings.STATICFILES_DIRS]
    static_dirs += [path / "static" for path in own]
    files += [f for d in static_dirs if d.is_dir() for f in d.rglob("*.js")]
    for path in own:
        files += [f for f in path.rglob("*.py") if "migrations" not in f.parts]
    return sorted(set(files))


def used_words(files=None):
    """Return (words, prefixes) found in ``files`` (default: every source)."""
    words, prefixes = set(SAFELIST), set()
    for path in files if files is not None else _source_files():
        try:
            text = path.read_text(errors="ignore")
        except OSError:
            continue
        words.update(WORD.findall(text))
        prefixes.update(PREFIX.findall(text))
    return words, tuple(sorted(prefixes))


def _needed_classes(selector):
    return CLASS.findall(NOT.sub("", selector))


def _split_selectors(prelude):
    """Split a selector list on its top-level commas."""
    parts, depth, current = [], 0, []
    for char in prelude:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def purge(css, words, prefixes=()):
    """Return ``css`` without the rules that need a class not in ``words``."""

    def used(name):
        return name in words or name.startswith(prefixes)

    def rules(nodes):
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                prelude = tinycss2.serialize(node.prelude)
                kept = [
                    sel
                    for sel in _split_selectors(prelude)
                    if all(used(name) for name in _needed_classes(sel))
                ]
                if kept:
                    out.append(",".join(kept) + "{" + tinycss2.serialize(node.content) + "}")
            elif node.type == "at-rule":
                keyword = node.lower_at_keyword
                if keyword in {"media", "supports", "container", "layer"} and node.content:
                    inner = rules(
                        tinycss2.parse_rule_list(
                            node.content, skip_comments=True, skip_whitespace=True
                        )
                    )
                    if inner:
                        out.append(
                            f"@{node.at_keyword}{tinycss2.serialize(node.prelude)}"
                            "{" + "".join(inner) + "}"
                        )
                else:
                    out.append(node.serialize())
        return out

    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    # The licence banner stays (Bootstrap's and the icons' MIT notices).
    banner = re.match(r"\s*(/\*!.*?\*/)", css, re.S)
    return (banner.group(1) + "\n" if banner else "") + "".join(rules(nodes)) + "\n"


def _original(path):
    for directory in settings.STATICFILES_DIRS:
        candidate = Path(directory) / path
        if candidate.exists():
            return candidate
    raise FileNotFoundError(path)


def output_dir():
    return Path(settings.BASE_DIR) / "var" / "purged-css"


@functools.lru_cache(maxsize=1)
def _built(fingerprint):
    files = _source_files()
    words, prefixes = used_words(files)
    for path in PURGED:
        target = output_dir() / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = purge(_original(path).read_text(), words, prefixes)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(text)
        temporary.replace(target)
    (output_dir() / "fingerprint").write_text(fingerprint)
    return fingerprint


_checked = {"at": 0.0, "fingerprint": ""}


def build():
    """Write the cut files when their sources changed; return their folder.

    The sources are looked at (their sizes and times) at most once per
    second per process: the development server asks for every file.
    """
    now = time.monotonic()
    if now - _checked["at"] > 1:
        digest = hashlib.sha256()
        for path in [*_source_files(), *(_original(p) for p in PURGED)]:
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        fingerprint = digest.hexdigest()
        stamp = output_dir() / "fingerprint"
        on_disk = stamp.read_text() if stamp.exists() else ""
        complete = all((output_dir() / p).exists() for p in PURGED)
        if on_disk != fingerprint or not complete:
            _built.cache_clear()
            _built(fingerprint)
        _checked.update(at=now, fingerprint=fingerprint)
    return output_dir()


class PurgedCssFinder(BaseFinder):
    """Find the cut Bootstrap files before the original ones (STATICFILES_FINDERS)."""

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        if path not in PURGED:
            return [] if find_all else None
        found = str(build() / path)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=build())
        for path in PURGED:
            yield path, storage

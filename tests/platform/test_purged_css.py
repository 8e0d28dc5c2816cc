"""The cut Bootstrap CSS keeps every class the templates use (mpp_portal/purged_css.py)."""

import re

import tinycss2
from django.contrib.staticfiles import finders

from mpp_portal import purged_css

CLASS_ATTR = re.compile(r'class="([^"]*)"')


def _selectors_in(css):
    found = set()
    for node in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if node.type == "qualified-rule":
            found.update(purged_css._split_selectors(tinycss2.serialize(node.prelude)))
        elif node.type == "at-rule" and node.content:
            found |= _selectors_in(tinycss2.serialize(node.content))
    return found


def test_every_class_named_in_a_template_survives():
    templates = [p for p in purged_css._source_files() if p.suffix in {".html", ".txt"}]
    used = set()
    for path in templates:
        for value in CLASS_ATTR.findall(path.read_text(errors="ignore")):
            # Plain words only: "{{ x }}" parts are checked by prefix below.
            value = re.sub(r"\{[{%].*?[%}]\}", " ", value)
            used.update(word for word in value.split() if re.fullmatch(r"[\w-]+", word))
    assert len(used) > 200
    for path in purged_css.PURGED:
        original = _selectors_in(purged_css._original(path).read_text())
        with open(finders.find(path)) as handle:
            cut = _selectors_in(handle.read())
        # Every selector whose classes all appear in a class="..." survives.
        needed = {
            selector
            for selector in original
            if (classes := set(purged_css._needed_classes(selector))) and classes <= used
        }
        assert len(needed) > 50
        missing = sorted(needed - cut)
        assert not missing, f"{path}: {missing[:20]}"
        # And it is cut: selectors nobody can match are gone.
        assert len(cut) < len(original) * 0.8


def test_a_rule_needs_each_of_its_classes_but_not_those_under_not():
    css = (
        ".btn{color:red}.btn.unused{color:blue}.btn:not(.unused){margin:0}"
        "@media (min-width:1px){.unused{x:y}.btn{a:b}}.alert-danger{c:d}.alert-x{e:f}"
        ".bi-alarm::before{content:'a'}.bi-zoom::before{content:'z'}"
    )
    cut = purged_css.purge(css, {"btn", "bi-alarm"}, ("alert-",))
    assert ".btn{color:red}" in cut and ".btn:not(.unused){margin:0}" in cut
    assert ".unused" not in cut.replace(":not(.unused)", "")
    assert "@media (min-width:1px){.btn{a:b}}" in cut
    assert ".alert-danger" in cut and ".alert-x" in cut
    assert ".bi-alarm" in cut and ".bi-zoom" not in cut


def test_words_and_prefixes_of_templates_and_scripts(tmp_path):
    template = tmp_path / "x.html"
    template.write_text('<div class="alert alert-{{ level }} text-bg-{% if x %}ok{% endif %}">')
    script = tmp_path / "x.js"
    script.write_text("el.classList.add('d-none'); el.className = 'bi-' + name; `col-${n}`")
    words, prefixes = purged_css.used_words([template, script])
    assert {"alert", "d-none"} <= words
    assert {"alert-", "text-bg-", "bi-", "col-"} <= set(prefixes)

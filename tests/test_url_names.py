"""Every {% url %} in every template names a URL that exists, namespace and
all: a name in a branch no test renders would otherwise fail only in use."""

import re
from pathlib import Path

from tests.test_permission_matrix import url_names

ROOT = Path(__file__).resolve().parent.parent
URL_TAG = re.compile(r"\{%\s*url\s+['\"]([\w:]+)['\"]")


def test_every_url_a_template_names_exists():
    skipped = {".venv", "var", "node_modules", "test-results"}
    templates = [p for p in ROOT.rglob("*.html") if not skipped & set(p.relative_to(ROOT).parts)]
    used = {
        (str(path.relative_to(ROOT)), name)
        for path in templates
        for name in URL_TAG.findall(path.read_text())
    }
    assert len(used) > 100
    known = set(url_names(admin=True))
    assert sorted(f"{path}: {name}" for path, name in used if name not in known) == []

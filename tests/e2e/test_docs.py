# SPDX-License-Identifier: AGPL-3.0-or-later
"""The repository explains itself: every document a source file, a test, a
script or a document cites (a name ending in .md) is in the repository."""
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[2]
WHERE = ["server", "tests", "bench", "web", "deploy", "proto", "docs", ".ci"]
SKIP = {"node_modules", "artifacts", "__pycache__", "corpus", "regressions"}
PRODUCED = {"record.md"}
CITED = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.md)\b")


def _files():
    yield REPO / "CMakeLists.txt"
    yield REPO / "README.md"
    for top in WHERE:
        for p in (REPO / top).rglob("*"):
            if p.is_file() and not SKIP & set(p.relative_to(REPO).parts) and \
                    p.suffix in (".c", ".h", ".py", ".mjs", ".js", ".sh", ".md", ".txt", ".css", ".html", ""):
                yield p


def test_every_document_cited_is_in_the_repository():
    docs = {p.name for p in REPO.rglob("*.md") if not SKIP & set(p.relative_to(REPO).parts)}
    paths = {str(p.relative_to(REPO)) for p in REPO.rglob("*.md")}
    missing = []
    for f in _files():
        try:
            text = f.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for m in CITED.finditer(text):
            cited = m.group(1)
            name = cited.rsplit("/", 1)[-1]
            if name in PRODUCED or name.startswith("pv-"):
                continue  # the record's Markdown, a file the server makes
            # a path must resolve from the repository's top, from the citing
            # file, or (after a variable such as $ROOT) by its last parts
            if "/" in cited.strip("./"):
                here = (f.parent / cited).resolve()
                tail = "/".join(cited.split("/")[-2:])
                ok = cited.lstrip("./") in paths or here.is_file() or any(x.endswith(tail) for x in paths)
            else:
                ok = name in docs
            if not ok:
                missing.append("%s cites %s" % (f.relative_to(REPO), cited))
    assert not missing, "documents cited but not in the repository:\n" + "\n".join(sorted(set(missing)))


def test_the_architecture_is_documented_where_the_code_says():
    assert (REPO / "docs" / "ARCHITECTURE.md").is_file()

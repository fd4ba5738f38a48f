"""Walk the pages a user can reach by following links, as a person clicking around would."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

# Leaving, or somewhere that is not Rollcall's own page.
SKIP = re.compile(r"^/(logout|admin|static|p)/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def shape(path: str) -> str:
    """/pupils/12/ and /pupils/13/ are the same page for another pupil."""
    path = re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", path)
    path = re.sub(r"\d+", "#", path)
    return path.split("?")[0]


@dataclass
class Walk:
    visited: dict[str, int] = field(default_factory=dict)  # path -> status
    failures: list[str] = field(default_factory=list)


def walk(
    client,
    start: str = "/",
    *,
    limit: int = 150,
    files: bool = True,
    depth: int = 99,
    files_seen: set | None = None,
) -> Walk:
    """Follow same-site links breadth first; one page per shape (plus one query variant).

    `files_seen` shares the PDFs and CSVs already fetched between walks (one
    per role): a file that renders for one role renders for the next.
    """
    result = Walk()
    files_seen = set() if files_seen is None else files_seen
    seen_shapes: set[str] = set()
    queue = deque([(start, 0)])
    while queue and len(result.visited) < limit:
        path, level = queue.popleft()
        if path in result.visited:
            continue
        response = client.get(path, follow=True)
        status = response.status_code
        result.visited[path] = status
        if status >= 500:
            result.failures.append(f"{path}: {status}")
            continue
        kind = response.headers.get("Content-Type", "")
        if "text/html" not in kind or level >= depth:
            continue
        for href in links_in(response.content.decode()):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if SKIP.match(parts.path):
                continue
            is_file = bool(re.search(r"\.(pdf|csv)$|format=csv", href))
            if is_file and (not files or shape(href) + parts.query in files_seen):
                continue
            if is_file:
                files_seen.add(shape(href) + parts.query)
            key = shape(parts.path) + (
                "?" + "&".join(sorted(re.sub(r"=[^&]*", "", parts.query).split("&")))
                if parts.query
                else ""
            )
            if key in seen_shapes:
                continue
            seen_shapes.add(key)
            queue.append((href, level + 1))
    return result

"""The second process of the output scan of a large site (:func:`checks.site.stage.scan`).

Started as ``python -m checks.site.scanworker``: reads a JSON request on standard input (the output folder,
the files to look over, the hidden pages' markers and the masked values), writes ``{file: [problem, …]}`` as
JSON on standard output.  It imports nothing of the process that started it."""

from __future__ import annotations

import json
import sys


def main() -> int:
    request = json.load(sys.stdin)
    from .stage import Markers, _scan_files

    pattern = Markers(request["markers"]) if request["markers"] else None
    found = _scan_files(request["site"], request["files"], pattern, request["masked"])
    json.dump(found, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

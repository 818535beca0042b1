"""Same input, same bytes: office files (xlsx, docx) without the time they were written.

openpyxl and python-docx stamp the current time into ``docProps/core.xml`` and
every zip entry; the inspector's pack must come out identical for the same
revision, so both are replaced by a fixed moment (the revision's date).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

_STAMP = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def fixed_zip(data: bytes, when: dt.date) -> bytes:
    """The zip ``data`` with every entry dated ``when`` and the core properties' times set to it."""
    moment = dt.datetime(when.year, when.month, when.day)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(lambda m: m.group(1) + stamp + m.group(2), content.decode("utf-8")).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()

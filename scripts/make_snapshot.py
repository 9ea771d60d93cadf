#!/usr/bin/env python3
"""Build the catalogue snapshot that an empty database imports at first `serve`.

    scripts/make_snapshot.py [--data ../shared/data] [--out data-snapshot] [--check]

Reads the real public catalogue data (one folder per source, each with a SOURCE.md) and
writes into `--out`:

* `catalogue.tar.xz`: every file the importer uses (`*.jsonl` without the `*.no_<field>`
  evaluation variants, the publiccode.yml files) plus each source's SOURCE.md, under the
  same folder names, so that source names and import counts equal those of
  `matchraum import <data>/*/`;
* `SOURCE.md`: per source its origin, attribution, licence, the redistribution review and
  the files taken or left out (with sha256);
* `LICENCE.md`: the licence notices the sources require to travel with copies.

The output is reproducible: entries sorted, mtime 0, owner root, mode 0644, fixed xz
settings, so that running the script again gives the same bytes. `--check` builds in
memory and fails (exit 1) when the committed files differ.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = "catalogue.tar.xz"
# 8 MiB of dictionary holds the whole ~6 MB input; preset 9 would ask decoders for 64 MiB.
# (PRESET_EXTREME would save 4 % for five times the time.)
XZ_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": 8 << 20}]
MAX_BYTES = 5 * 1024 * 1024

MIT = """Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


@dataclass(frozen=True)
class Review:
    """The licence review of one source (read from its SOURCE.md, decided here)."""

    licence: str
    attribution: str
    verdict: str
    # Notice that must accompany copies (e.g. MIT's copyright line), if any.
    mit_copyright: str | None = None


# Every source folder must be reviewed here before its data is redistributed: a new
# folder without a review stops the script.
REVIEWS: dict[str, Review] = {
    "berlin_opensource": Review(
        licence="CC BY 3.0 DE (texts and content, per the repository README); code MPL-2.0",
        attribution="Technologiestiftung Berlin, Open Source im Land Berlin",
        verdict="Redistribution allowed: CC BY 3.0 DE permits copying and redistributing, "
        "also adapted, with attribution and the licence named (done here and in LICENCE.md).",
    ),
    "codefor_de": Review(
        licence="MIT, covering the repository including its content",
        attribution="Code for Germany / OKF DE",
        verdict="Redistribution allowed: MIT permits it with the copyright and permission "
        "notice included (LICENCE.md). Collaborators' names were already removed upstream.",
        mit_copyright="Copyright (c) Open Knowledge Foundation Deutschland e.V.",
    ),
    "kdn_ozg_nrw": Review(
        licence="MIT (the repository, including the SQL dump the data was converted from); "
        "the catalogue content comes from the federal OZG-Umsetzungskatalog and the LeiKa",
        attribution="KDN OZG-Datenbank NRW",
        verdict="Redistribution allowed under the repository's MIT licence (notice in "
        "LICENCE.md). The repository states no separate terms for the catalogue content; "
        "it is public administrative reference data (service names, keys, taxonomy, legal "
        "bases) that the IT-Planungsrat publishes for reuse by administrations. Caveat: "
        "the FIM/LeiKa portal terms could not be read from this machine; check them before "
        "republishing the data on its own at scale.",
        mit_copyright="Copyright (c) 2020 Gert Hammes",
    ),
    "muenchen_dienstleistungen": Review(
        licence="EUPL-1.2 (repository licence); the texts are the City of Munich's public "
        "service descriptions, with no separate content licence in the repository",
        attribution="Landeshauptstadt München / it@M, eappointment",
        verdict="Redistribution allowed: EUPL-1.2 permits distributing copies of the Work "
        "under the EUPL with its notices kept (LICENCE.md names the licence and its text).",
    ),
    "muenchen_opensource": Review(
        licence="MIT, covering the site content in the repository",
        attribution="Landeshauptstadt München, it@M (opensource.muenchen.de)",
        verdict="Redistribution allowed: MIT permits it with the copyright and permission "
        "notice included (LICENCE.md).",
        mit_copyright="Copyright (c) 2023 it@M",
    ),
    "publiccode": Review(
        licence="per file: the licence declared in the file (`legal.license`), which is the "
        "licence of the repository the file is part of",
        attribution="each file's repository (owner/name and commit in the table below)",
        verdict="Per file: files declaring a free or open-source licence (all of them permit "
        "redistribution) are taken; files declaring a non-commercial licence or none at all "
        "are left out (see the table).",
    ),
}

# Declared publiccode.yml licences that permit redistribution (free/open-source, CC0),
# compared case-insensitively; anything else is left out.
OPEN_LICENCES = {
    "agpl-1.0-or-later", "agpl-3.0-only", "agpl-3.0-or-later", "apache-2.0",
    "apache license, version 2.0", "bsd-3-clause", "cc0-1.0", "eupl-1.2", "gpl-2.0-only",
    "gpl-2.0-or-later", "gpl-3.0-only", "gpl-3.0-or-later", "lgpl-2.1-or-later",
    "lgpl-3.0-only", "mit", "mpl-2.0",
}


@dataclass
class Member:
    """One file of the archive: its name inside the archive and its bytes."""

    name: str
    data: bytes


@dataclass
class Source:
    folder: str
    review: Review
    source_md: str
    taken: list[Member]
    left_out: list[tuple[str, str]]  # (file, reason)
    publiccode_rows: dict[str, dict[str, str]]


def is_eval_variant(name: str) -> bool:
    """`projects.no_title.jsonl` and the like: evaluation copies with one field removed."""
    parts = name.split(".")
    return len(parts) >= 3 and parts[-2].startswith("no_")


def publiccode_table(source_md: str) -> dict[str, dict[str, str]]:
    """The per-file table of publiccode/SOURCE.md, by file name."""
    rows: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in source_md.splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        # Cells may hold escaped pipes (`\\|2` block scalars in the notes).
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if cells and cells[0] == "#":
            header = cells
        elif header and cells[0].isdigit() and len(cells) == len(header):
            row = dict(zip(header, cells))
            rows[row["file"].strip("`")] = row
    return rows


def collect(data: Path) -> list[Source]:
    folders = sorted(p.name for p in data.iterdir() if p.is_dir())
    unknown = [f for f in folders if f not in REVIEWS]
    if unknown:
        sys.exit(f"no licence review for {', '.join(unknown)}: add one to REVIEWS first")
    sources = []
    for folder in folders:
        base = data / folder
        source_md = (base / "SOURCE.md").read_text(encoding="utf-8")
        taken = [Member(f"{folder}/SOURCE.md", source_md.encode("utf-8"))]
        left_out: list[tuple[str, str]] = []
        rows: dict[str, dict[str, str]] = {}
        if folder == "publiccode":
            rows = publiccode_table(source_md)
            for path in sorted((base / "files").iterdir()):
                row = rows.get(path.name)
                if row is None:
                    sys.exit(f"{path}: not in {folder}/SOURCE.md, so its licence is unknown")
                licence = row["licence (declared)"]
                if licence.lower() in OPEN_LICENCES:
                    taken.append(Member(f"{folder}/files/{path.name}", path.read_bytes()))
                elif licence in ("—", ""):
                    left_out.append((path.name, "declares no licence"))
                else:
                    left_out.append((path.name, f"declares {licence}, not an open licence"))
        else:
            for path in sorted(base.iterdir()):
                if path.name == "SOURCE.md":
                    continue
                if not path.name.endswith(".jsonl"):
                    left_out.append((path.name, "not read by the importer"))
                elif is_eval_variant(path.name):
                    left_out.append((path.name, "evaluation variant (one field removed)"))
                else:
                    taken.append(Member(f"{folder}/{path.name}", path.read_bytes()))
        sources.append(Source(folder, REVIEWS[folder], source_md, taken, left_out, rows))
    return sources


def archive(members: list[Member]) -> bytes:
    """A tar.xz of `members`, the same bytes for the same input."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m in sorted(members, key=lambda m: m.name):
            info = tarfile.TarInfo(m.name)
            info.size = len(m.data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(m.data))
    return lzma.compress(raw.getvalue(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                         filters=XZ_FILTERS)


def paragraphs(md: str, *labels: str) -> list[str]:
    """The paragraphs of `md` that start with one of the bold `labels` (`**Origin.**`)."""
    out = []
    for p in re.split(r"\n\s*\n", md):
        p = p.strip()
        if any(p.startswith(f"**{label}.**") for label in labels):
            out.append(" ".join(line.strip() for line in p.splitlines()))
    return out


def records(m: Member) -> int:
    if m.name.endswith(".jsonl"):
        return sum(1 for line in m.data.splitlines() if line.strip())
    return 0 if m.name.endswith(".md") else 1


def source_md(sources: list[Source], archive_bytes: bytes) -> str:
    unlicensed = sum(len(s.left_out) for s in sources if s.folder == "publiccode")
    out = [
        "# Catalogue snapshot: sources, attribution, licences",
        "",
        f"`{ARCHIVE}` ({len(archive_bytes):,} bytes, sha256 "
        f"`{hashlib.sha256(archive_bytes).hexdigest()}`) holds the real public catalogue data "
        "that an empty database imports at the first `matchraum serve` "
        "(`MATCHRAUM_SEED_SNAPSHOT`). It is made by `scripts/make_snapshot.py` from "
        "`../shared/data`; do not edit it by hand. Each source's own SOURCE.md is inside the "
        "archive beside its data; the licence notices the sources require are in LICENCE.md.",
        "",
        "Licence review: every source's licence was read from its SOURCE.md and checked for "
        "permission to redistribute (the verdict is under each source). Every source permits "
        f"it; {unlicensed} publiccode.yml files are left out because they declare no open "
        "licence.",
        "",
    ]
    for s in sources:
        r = s.review
        out += [f"## {s.folder}", ""]
        out += [p + "\n" for p in paragraphs(s.source_md, "Origin", "Privacy")]
        out += [
            f"**Licence.** {r.licence}.",
            "",
            f"**Attribution.** {r.attribution}.",
            "",
            f"**Redistribution.** {r.verdict}",
            "",
            "| file in the archive | records | bytes | sha256 |",
            "|---|---|---|---|",
        ]
        data_files = [m for m in s.taken if not m.name.endswith("SOURCE.md")]
        if s.folder == "publiccode":
            out.append(
                f"| `{s.folder}/files/*.publiccode.yml` | {len(data_files)} files | "
                f"{sum(len(m.data) for m in data_files):,} | (per file below) |"
            )
        else:
            for m in data_files:
                out.append(
                    f"| `{m.name}` | {records(m):,} | {len(m.data):,} | "
                    f"`{hashlib.sha256(m.data).hexdigest()[:16]}…` |"
                )
        out.append("")
        if s.folder == "publiccode":
            out += [
                "| file | repository | commit | declared licence | sha256 |",
                "|---|---|---|---|---|",
            ]
            for m in data_files:
                name = m.name.rsplit("/", 1)[1]
                row = s.publiccode_rows[name]
                out.append(
                    f"| `{name}` | {row['repository']} | {row['commit']} | "
                    f"{row['licence (declared)']} | `{hashlib.sha256(m.data).hexdigest()[:16]}…` |"
                )
            out.append("")
        if s.left_out:
            out += ["Left out:", ""]
            out += [f"- `{name}`: {reason}" for name, reason in s.left_out]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def licence_md(sources: list[Source]) -> str:
    out = [
        "# Licence notices of the catalogue snapshot",
        "",
        "The data in `catalogue.tar.xz` stays under its sources' licences (see SOURCE.md); "
        "these are the notices they ask to be kept with copies.",
        "",
    ]
    for s in sources:
        r = s.review
        if r.mit_copyright:
            out += [f"## {s.folder} (MIT)", "", r.mit_copyright, "", MIT, ""]
    out += [
        "## berlin_opensource (CC BY 3.0 DE)",
        "",
        "Texts and content: Technologiestiftung Berlin, Open Source im Land Berlin, licensed "
        "under Creative Commons Namensnennung 3.0 Deutschland, "
        "https://creativecommons.org/licenses/by/3.0/de/legalcode. Converted to JSON Lines "
        "(front matter and plain text of the Markdown pages).",
        "",
        "## muenchen_dienstleistungen (EUPL-1.2)",
        "",
        "Landeshauptstadt München / it@M, eappointment; licensed under the European Union "
        "Public Licence v. 1.2, https://interoperable-europe.ec.europa.eu/collection/eupl/"
        "eupl-text-eupl-12. Converted from `services_de.json` to JSON Lines.",
        "",
        "## publiccode",
        "",
        "Each `publiccode.yml` is part of its repository and under the licence it declares "
        "(table in SOURCE.md); the files are unmodified.",
    ]
    return "\n".join(out).rstrip() + "\n"


def build(data: Path) -> dict[str, bytes]:
    sources = collect(data)
    blob = archive([m for s in sources for m in s.taken])
    if len(blob) > MAX_BYTES:
        sys.exit(f"the snapshot is {len(blob):,} bytes, more than the {MAX_BYTES:,} allowed")
    return {
        ARCHIVE: blob,
        "SOURCE.md": source_md(sources, blob).encode("utf-8"),
        "LICENCE.md": licence_md(sources).encode("utf-8"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "data-snapshot")
    ap.add_argument("--check", action="store_true",
                    help="compare with the files in --out instead of writing them")
    args = ap.parse_args()
    files = build(args.data)
    if args.check:
        stale = [n for n, b in files.items()
                 if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        if stale:
            print(f"out of date in {args.out}: {', '.join(stale)} "
                  "(run scripts/make_snapshot.py)", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        tmp = args.out / f".{name}.tmp"
        tmp.write_bytes(blob)
        tmp.replace(args.out / name)
    print(f"{args.out / ARCHIVE}: {len(files[ARCHIVE]):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

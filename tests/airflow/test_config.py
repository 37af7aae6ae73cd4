"""Prints a pipeline config with `[warehouse] url` replaced: test_config.py CONFIG WAREHOUSE_DIR.

The rest of the file (relative paths included) is kept, so the copy must stay in the same
`pipelines/` folder to resolve against the same project root.
"""

import pathlib
import re
import sys

import tomllib


def main(config: str, warehouse: str) -> None:
    text = pathlib.Path(config).read_text()
    tomllib.loads(text)  # fail early on a broken config
    section = re.search(r"(?ms)^\[warehouse\]\s*$(.*?)(?=^\[|\Z)", text)
    if section is None:
        raise SystemExit(f"{config}: no [warehouse] section")
    body, n = re.subn(
        r"(?m)^url\s*=.*$", f"url = {str(pathlib.Path(warehouse).resolve())!r}", section.group(1)
    )
    if n != 1:
        raise SystemExit(f"{config}: [warehouse] has {n} url lines, expected 1")
    out = text[: section.start(1)] + body + text[section.end(1) :]
    parsed = tomllib.loads(out)
    assert parsed["warehouse"]["url"] == str(pathlib.Path(warehouse).resolve()), parsed["warehouse"]
    sys.stdout.write(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: test_config.py CONFIG WAREHOUSE_DIR")
    main(sys.argv[1], sys.argv[2])

"""Which files count: outcome measures read the lines people write, not what tools generate.

Left out (a path matches when any of these holds):

- its name is a lockfile: `package-lock.json`, `npm-shrinkwrap.json`, `yarn.lock`,
  `pnpm-lock.yaml`, `bun.lock`, `deno.lock`, `poetry.lock`, `uv.lock`, `Pipfile.lock`,
  `pdm.lock`, `Cargo.lock`, `Gemfile.lock`, `composer.lock`, `go.sum`, `flake.lock`,
  `mix.lock`, `pubspec.lock`, `Podfile.lock`, `Package.resolved`, `packages.lock.json`,
  `gradle.lockfile`;
- its name ends like generated or minified code: `.min.js`, `.min.css`, `.map`, `_pb2.py`,
  `_pb2.pyi`, `_pb2_grpc.py`, `.pb.go`, `.pb.h`, `.pb.cc`;
- one of its folders, at any depth, is `vendor`, `node_modules`, `third_party`, `dist` or
  `build`.

Also left out, by what git says rather than by name: files git reports as binary (including
those a repository's `.gitattributes` marks `-diff`), symbolic links and submodules.
"""

from __future__ import annotations

from functools import lru_cache

LOCKFILES = frozenset(
    {
        b"package-lock.json", b"npm-shrinkwrap.json", b"yarn.lock", b"pnpm-lock.yaml",
        b"bun.lock", b"deno.lock", b"poetry.lock", b"uv.lock", b"Pipfile.lock", b"pdm.lock",
        b"Cargo.lock", b"Gemfile.lock", b"composer.lock", b"go.sum", b"flake.lock",
        b"mix.lock", b"pubspec.lock", b"Podfile.lock", b"Package.resolved",
        b"packages.lock.json", b"gradle.lockfile",
    }
)  # fmt: skip
GENERATED_ENDINGS = (
    b".min.js", b".min.css", b".map", b"_pb2.py", b"_pb2.pyi", b"_pb2_grpc.py", b".pb.go",
    b".pb.h", b".pb.cc",
)  # fmt: skip
THIRD_PARTY_FOLDERS = frozenset({b"vendor", b"node_modules", b"third_party", b"dist", b"build"})


@lru_cache(maxsize=65536)
def counted(path: bytes) -> bool:
    """Whether lines of the file at `path` (as git prints it, `/`-separated) are measured."""
    *folders, name = path.split(b"/")
    if name in LOCKFILES or name.endswith(GENERATED_ENDINGS):
        return False
    return not any(folder in THIRD_PARTY_FOLDERS for folder in folders)

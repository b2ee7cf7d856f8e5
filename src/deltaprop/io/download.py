"""Downloading a file over HTTP(S) with an MD5 check, atomically, from a list of mirrors.

Only the standard library is used (``urllib``). A download goes to a temporary file beside
the destination and is moved over the final name only once it is complete and its MD5
matches, so a killed or failed download never leaves a torn file under the final name. A
transfer cut off part-way is resumed with an HTTP ``Range`` request (or, if the server
ignores it, started over); a mirror that fails, times out or serves the wrong bytes is
skipped for the next.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from deltaprop.io.atomic import atomic_write

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_BYTES",
    "RESUMES",
    "DownloadError",
    "fetch",
    "fetch_from_mirrors",
]

#: seconds to wait for the connection and for each read
DEFAULT_TIMEOUT = 30.0
#: largest download accepted, in bytes (MNIST's largest file is 9.9 MB)
MAX_BYTES = 64 * 1024 * 1024
#: times a transfer cut off part-way is resumed (HTTP Range) before the URL counts as failed
RESUMES = 3
#: called as the bytes arrive: progress(bytes so far, the file's size or None if unknown)
Progress = Callable[[int, "int | None"], None]
_CHUNK = 1 << 16
_USER_AGENT = "deltaprop (https://pypi.org/project/deltaprop/)"
# what a network failure can raise; HTTPError is a URLError, socket timeouts are OSErrors
_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)


class DownloadError(OSError):
    """A download failed: network error, HTTP error, wrong checksum or oversized file.

    Attributes
    ----------
    attempts : list of (str, str)
        For a download from several mirrors, each URL tried and why it failed.

    Parameters
    ----------
    message : str
        What failed, and what to do about it.
    attempts : sequence of (str, str), optional
        Sets ``attempts``.

    Examples
    --------
    >>> error = DownloadError("no mirror answered", [("https://example.org/a.gz", "timed out")])
    >>> isinstance(error, OSError), error.attempts
    (True, [('https://example.org/a.gz', 'timed out')])
    """

    def __init__(self, message: str, attempts: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.attempts = list(attempts)


def _md5() -> hashlib._Hash:
    return hashlib.md5(usedforsecurity=False)  # a checksum against corruption, not security


def file_md5(path: str | os.PathLike[str]) -> str:
    """The MD5 hex digest of a file's bytes, read in chunks."""
    digest = _md5()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is None or length >= 0 else None


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _resumed_from(response: http.client.HTTPResponse, size: int, total: int | None) -> bool:
    """Whether ``response`` continues a transfer at byte ``size`` (a 206 with a matching
    Content-Range); otherwise the server sent something else and the download starts over."""
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if response.status != 206 or match is None or int(match[1]) != size:
        return False
    return total is None or match[3] in ("*", str(total))


class _CutOff(Exception):
    """The transfer stopped before the end (connection closed or read timed out)."""


class _Transfer:
    """One download into ``out``, resumed with HTTP Range requests when it is cut off."""

    def __init__(
        self, url: str, out: BinaryIO, timeout: float, max_bytes: int, progress: Progress | None
    ) -> None:
        self.url, self.out, self.timeout, self.max_bytes = url, out, timeout, max_bytes
        self.progress = progress
        self.digest = _md5()
        self.size = 0  # bytes written so far
        self.total: int | None = None  # the file's size, when the server says

    def attempt(self) -> None:
        """One request: for the whole file, or for the rest of it (``Range: bytes=N-``)."""
        headers = {"User-Agent": _USER_AGENT}
        if self.size:
            headers["Range"] = f"bytes={self.size}-"
        request = urllib.request.Request(self.url, headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            length = _content_length(response.headers.get("Content-Length"))
            if self.size and not _resumed_from(response, self.size, self.total):
                self.out.seek(0)  # the server ignored the Range: start over
                self.out.truncate()
                self.digest, self.size = _md5(), 0
            if self.size == 0:
                self.total = length
            if self.total is not None and self.total > self.max_bytes:
                raise DownloadError(
                    f"{self.url}: {self.total} bytes, more than the {self.max_bytes} bytes allowed"
                )
            try:
                while chunk := response.read1(_CHUNK):  # what has arrived, so a stall keeps it
                    self.size += len(chunk)
                    if self.size > self.max_bytes:
                        raise DownloadError(
                            f"{self.url}: more than the {self.max_bytes} bytes allowed"
                        )
                    self.digest.update(chunk)
                    self.out.write(chunk)
                    if self.progress is not None:
                        self.progress(self.size, self.total)
            except (http.client.IncompleteRead, TimeoutError, ConnectionError) as exc:
                raise _CutOff(f"{type(exc).__name__}: {exc}") from exc
        if self.total is not None and self.size < self.total:  # the connection closed early
            raise _CutOff("connection closed")
        if self.total is not None and self.size > self.total:
            raise DownloadError(f"{self.url}: got {self.size} bytes, expected {self.total}")


def _complete(transfer: _Transfer, resumes: int) -> None:
    """Run ``transfer`` to its end, resuming it up to ``resumes`` times where it is cut off."""
    for attempt in range(resumes + 1):
        try:
            transfer.attempt()
            return
        except _CutOff as exc:
            if attempt == resumes:
                got = f"{transfer.size} of {transfer.total or '?'} bytes"
                raise DownloadError(
                    f"{transfer.url}: download truncated: got {got} ({exc}), "
                    f"{resumes} resume(s) tried"
                ) from exc


def _check_md5(transfer: _Transfer, md5: str | None) -> None:
    digest = transfer.digest.hexdigest()
    if md5 is not None and digest != md5.lower():
        raise DownloadError(
            f"{transfer.url}: MD5 mismatch: expected {md5.lower()}, got {digest} "
            f"({transfer.size} bytes)"
        )


def fetch(
    url: str,
    dest: str | os.PathLike[str],
    md5: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    resumes: int = RESUMES,
    progress: Progress | None = None,
) -> None:
    """Download ``url`` to ``dest`` atomically, checking its MD5.

    A transfer cut off part-way (the connection drops, or a read times out) is resumed where
    it stopped with an HTTP ``Range`` request; a server that does not honour it sends the
    whole file again, and the download starts over cleanly.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL.
    dest : str or os.PathLike
        The destination file; its directory must exist. Replaced only by a complete download
        whose checksum matches; otherwise left as it was.
    md5 : str or None
        The expected MD5 hex digest of the downloaded bytes, or None to skip the check.
    timeout : float, optional
        Seconds to wait for the connection and for each read (not for the whole download).
    max_bytes : int, optional
        Refuse a download larger than this many bytes.
    resumes : int, optional
        How many times a cut-off transfer is resumed before the download fails.
    progress : callable, optional
        Called as ``progress(bytes_so_far, total_or_None)`` after each chunk arrives.

    Raises
    ------
    DownloadError
        On any network or HTTP error, a checksum mismatch, an oversized response or a transfer
        cut off more than ``resumes`` times. The message names the URL and the reason.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"{url}: only http:// and https:// URLs can be downloaded")
    try:
        with atomic_write(dest) as out:
            transfer = _Transfer(url, out, timeout, max_bytes, progress)
            _complete(transfer, resumes)
            _check_md5(transfer, md5)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response body open
        raise DownloadError(f"{url}: HTTP error {exc.code} {exc.reason}") from exc
    except DownloadError:
        raise
    except _NETWORK_ERRORS as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DownloadError(f"{url}: {type(exc).__name__}: {reason}") from exc


def fetch_from_mirrors(
    mirrors: Sequence[str],
    filename: str,
    dest: str | os.PathLike[str],
    md5: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    resumes: int = RESUMES,
    progress: Progress | None = None,
) -> str:
    """Download ``filename`` from the first mirror that serves it with the right MD5.

    Parameters
    ----------
    mirrors : sequence of str
        Base URLs, tried in order; ``filename`` is appended to each (a ``/`` is added to a
        base that lacks one).
    filename : str
        The file's name on the mirrors.
    dest, md5, timeout, max_bytes, resumes, progress
        As for :func:`fetch`.

    Returns
    -------
    str
        The URL that succeeded.

    Raises
    ------
    DownloadError
        If every mirror fails; ``attempts`` lists each URL with its error, and so does the
        message.
    """
    attempts: list[tuple[str, str]] = []
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += filename
        try:
            fetch(
                url,
                dest,
                md5,
                timeout=timeout,
                max_bytes=max_bytes,
                resumes=resumes,
                progress=progress,
            )
        except DownloadError as exc:
            attempts.append((url, str(exc)))
        else:
            return url
    tried = "; ".join(error for _, error in attempts) or "no mirrors given"
    raise DownloadError(
        f"could not download {filename} to {Path(dest).parent} (tried {tried})", attempts
    )

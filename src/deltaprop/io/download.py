"""Downloading a file over HTTP(S) with an MD5 check, atomically, from a list of mirrors.

Only the standard library is used (``urllib``). A download goes to a temporary file beside
the destination and is moved over the final name only once it is complete and its MD5
matches, so a killed or failed download never leaves a torn file under the final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from deltaprop.io._atomic import atomic_write

__all__ = ["DEFAULT_TIMEOUT", "MAX_BYTES", "DownloadError", "fetch", "fetch_from_mirrors"]

#: seconds to wait for the connection and for each read
DEFAULT_TIMEOUT = 30.0
#: largest download accepted, in bytes (MNIST's largest file is 9.9 MB)
MAX_BYTES = 64 * 1024 * 1024
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
        return int(value) if value is not None else None
    except ValueError:
        return None


def fetch(
    url: str,
    dest: str | os.PathLike[str],
    md5: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> None:
    """Download ``url`` to ``dest`` atomically, checking its MD5.

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

    Raises
    ------
    DownloadError
        On any network or HTTP error, a checksum mismatch or an oversized response. The
        message names the URL and the reason.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise DownloadError(f"{url}: only http:// and https:// URLs can be downloaded")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    digest = _md5()
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,
            atomic_write(dest) as out,
        ):
            length = _content_length(response.headers.get("Content-Length"))
            if length is not None and length > max_bytes:
                raise DownloadError(
                    f"{url}: {length} bytes, more than the {max_bytes} bytes allowed"
                )
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadError(f"{url}: more than the {max_bytes} bytes allowed")
                digest.update(chunk)
                out.write(chunk)
            if length is not None and size != length:  # the connection closed early
                raise DownloadError(f"{url}: download truncated: got {size} of {length} bytes")
            if md5 is not None and digest.hexdigest() != md5.lower():
                raise DownloadError(
                    f"{url}: MD5 mismatch: expected {md5.lower()}, got {digest.hexdigest()} "
                    f"({size} bytes)"
                )
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
) -> str:
    """Download ``filename`` from the first mirror that serves it with the right MD5.

    Parameters
    ----------
    mirrors : sequence of str
        Base URLs, tried in order; ``filename`` is appended to each (a ``/`` is added to a
        base that lacks one).
    filename : str
        The file's name on the mirrors.
    dest, md5, timeout, max_bytes
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
            fetch(url, dest, md5, timeout=timeout, max_bytes=max_bytes)
        except DownloadError as exc:
            attempts.append((url, str(exc)))
        else:
            return url
    tried = "\n".join(f"  - {error}" for _, error in attempts) or "  (no mirrors given)"
    raise DownloadError(
        f"could not download {filename} to {Path(dest).parent}; tried:\n{tried}", attempts
    )

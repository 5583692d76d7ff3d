"""Validation of photos attached to a public report: real JPEG/PNG/WebP images, bounded size and count."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import conf

# magic bytes → (content type, extension); the browser's declared type and the file name are not trusted
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass
class CheckedPhoto:
    upload: object
    content_type: str
    extension: str
    size: int
    sha256: str
    name: str


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in _SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def check_photos(uploads) -> tuple[list[CheckedPhoto], list[str]]:
    """(accepted photos, error messages). Any error means nothing is stored."""
    uploads = [u for u in (uploads or []) if u]
    errors: list[str] = []
    if len(uploads) > conf.max_photos():
        errors.append(_("最多上传 %(n)d 张照片。") % {"n": conf.max_photos()})
        return [], errors
    checked = []
    max_bytes = conf.max_photo_bytes()
    for upload in uploads:
        name = (getattr(upload, "name", "") or "")[:200]
        if upload.size > max_bytes:
            errors.append(_("照片“%(name)s”超过 %(mb)s MB。") % {"name": name, "mb": max_bytes // (1024 * 1024)})
            continue
        upload.seek(0)
        head = upload.read(16)
        kind = _sniff(head)
        if kind is None:
            errors.append(_("“%(name)s”不是 JPG、PNG 或 WebP 格式的图片。") % {"name": name})
            continue
        upload.seek(0)
        try:
            from PIL import Image

            with Image.open(upload) as image:
                image.verify()
        except Exception:  # noqa: BLE001 - any decoder error means a broken or disguised file
            errors.append(_("“%(name)s”无法识别为有效图片，可能已损坏。") % {"name": name})
            continue
        upload.seek(0)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append(CheckedPhoto(upload, kind[0], kind[1], upload.size, digest.hexdigest(), name))
    return checked, errors

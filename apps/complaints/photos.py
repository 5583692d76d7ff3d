"""Validation of photos attached to a public report: real JPEG/PNG/WebP images, bounded size and count.

Every accepted photo is re-encoded with Pillow before it is stored: the pixels only, turned the way the camera's
orientation tag said, without any metadata — no EXIF (GPS position, time, camera and phone model, serial
numbers), no XMP/IPTC, no embedded thumbnails or text chunks. A reporter's location and device never reach the
platform through a photo.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
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
        try:
            clean = without_metadata(upload, kind[1])
        except Exception:  # noqa: BLE001 - a file that verifies but does not decode is broken all the same
            errors.append(_("“%(name)s”无法识别为有效图片，可能已损坏。") % {"name": name})
            continue
        checked.append(CheckedPhoto(ContentFile(clean, name=name or f"photo.{kind[1]}"), kind[0], kind[1],
                                    len(clean), hashlib.sha256(clean).hexdigest(), name))
    return checked, errors


_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


def without_metadata(upload, extension: str) -> bytes:
    """The image re-encoded in its own format from its pixels alone (orientation applied, first frame of an
    animation), so no metadata of the original file survives."""
    from PIL import Image, ImageOps

    with Image.open(upload) as original:
        original.load()
        image = ImageOps.exif_transpose(original)  # applies the orientation tag, then the tag is gone with EXIF
    fmt = _FORMATS[extension]
    if image.mode == "P" and "transparency" in image.info:  # keep see-through pixels without the info dict
        image = image.convert("RGBA")
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode or image.mode == "P" else "RGB")
    pixels = Image.new(image.mode, image.size)  # a fresh image: no .info (exif, icc, xmp, text) carried over
    if image.mode == "P":
        pixels.putpalette(image.getpalette())
    pixels.paste(image)
    out = io.BytesIO()
    options = {"JPEG": {"quality": 90, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}[fmt]
    pixels.save(out, format=fmt, **options)
    return out.getvalue()

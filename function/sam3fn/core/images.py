"""Image bytes -> an upright RGB array, with the checks that keep bad input out of the model.

EXIF orientation is applied before anything else, so masks and boxes are in the coordinates a person
sees. The pixel limit is checked from the header, before any pixel is decoded (decompression bombs).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageError, ImageTooLargeError

DEFAULT_MAX_PIXELS = 40_000_000  # 40 MP: above every phone camera, far below a decompression bomb

# The raster formats decoded, and nothing else: PIL would otherwise open whatever plugin recognises the
# bytes, EPS and PostScript included, whose loader runs Ghostscript on the upload where it is installed,
# along with a long tail of rarely used decoders (PSD, FLI, SGI, PCX, ...), each more attack surface.
# JPEG includes MPO (phone cameras' multi-picture JPEG, opened by the JPEG plugin); PPM is the netpbm
# family (PBM, PGM, PPM, PFM) computer-vision tools write.
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "TIFF", "BMP", "AVIF", "JPEG2000", "PPM")
FORMAT_NAMES = "PNG, JPEG, WebP, GIF, TIFF, BMP, AVIF, JPEG 2000 or PNM"

# PIL's own bomb guard is a fixed process-wide limit that fires inside Image.open; ours is configurable
# and runs on every decode before any pixel is read, so PIL's is switched off in favour of it.
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class RgbImage:
    """An upright image. `pixels`: (h, w, 3) uint8, read-only when decoded. `sha256` keys the feature cache.

    `height` and `width` are the image's own size, the coordinates of every mask and box. A large JPEG decoded
    for the model alone (`decode_image(..., model_side=S)`) has `pixels` smaller than that, by 2, 4 or 8 (never
    below S a side, so the model's resize still only shrinks); `full_pixels()` decodes it whole for drawing.
    """

    pixels: np.ndarray
    sha256: str
    size: tuple[int, int] | None = None  # (height, width) when pixels are reduced; None when they are the image
    source: bytes | None = field(default=None, repr=False, compare=False)  # the file, kept to decode it whole

    @property
    def height(self) -> int:
        return self.size[0] if self.size else int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return self.size[1] if self.size else int(self.pixels.shape[1])

    def full_pixels(self, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        """(height, width, 3) uint8: the pixels themselves, or for a reduced image the file decoded whole."""
        if self.size is None:
            return self.pixels
        return decode_image(self.source, max_pixels).pixels


def from_array(pixels: np.ndarray, size: tuple[int, int] | None = None, source: bytes | None = None) -> RgbImage:
    """Wrap an (H, W, 3) uint8 array already in memory (`size` and `source`: see RgbImage)."""
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise ImageError(f"expected an (H, W, 3) uint8 array, got {pixels.shape} {pixels.dtype}")
    pixels = np.ascontiguousarray(pixels)
    digest = hashlib.sha256(pixels.data)  # the buffer itself: tobytes() would copy it first
    digest.update(str(pixels.shape).encode())
    if size is not None:  # the same reduced pixels from images of two sizes make masks of two sizes
        digest.update(f"of {size}".encode())
    return RgbImage(pixels=pixels, sha256=digest.hexdigest(), size=size, source=source)


# JPEG's decoder can scale by 1/2, 1/4 or 1/8 as it decodes (its DCT), at a fraction of the cost: what the
# model sees of a 12 MP photo is 1008 px a side, and decoding the whole of it, then hashing it, was most of
# a request's time before the model.
_SCALED_DECODE = ("JPEG", "MPO")
# quarter turns swap height and width (EXIF orientations 5 to 8)
_QUARTER_TURNS = (Image.Transpose.TRANSPOSE, Image.Transpose.ROTATE_270, Image.Transpose.TRANSVERSE,
                  Image.Transpose.ROTATE_90)


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, model_side: int | None = None) -> RgbImage:
    """Decode PNG/JPEG/WebP/... bytes. Raises ImageError / ImageTooLargeError with a plain message.

    With `model_side` (the model's square input side), a JPEG at least twice that a side is decoded reduced,
    by the largest of 2, 4 or 8 that keeps both sides at least `model_side`: the pixels the model needs, in
    less than half the time for a 9 MP photo (`bench/results/image-decode-dev-cpu-9mp-*`). The same bytes
    always decode the same way, so every entry point that asks for the model gets the same pixels and result.
    """
    if not data:
        raise ImageError("the image is empty (0 bytes)", code="empty_image")
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            width, height = img.size
            if width * height > max_pixels:
                raise ImageTooLargeError(
                    f"the image is {width}x{height} = {width * height:,} pixels, "
                    f"over the limit of {max_pixels:,} pixels"
                )
            if model_side and img.format in _SCALED_DECODE and min(width, height) >= 2 * model_side:
                img.draft(None, (model_side, model_side))  # a JPEG it cannot scale (several tiles) stays whole
            if _opaque_still_webp(img):
                return from_array(_webp_pixels(data))
            reduced = img.size != (width, height)
            img.load()
            turn = _turn(img)
            rgb = _on_white(_eight_bit(img if turn is None else img.transpose(turn)))
            # Read-only, over the bytes PIL packs its pixels into (they outlive img). np.array's further copy
            # cost 43 ms of a 9 MP JPEG's decode on the dev machine, most of it faulting in fresh pages.
            pixels = np.asarray(rgb, dtype=np.uint8)
    except ImageError:
        raise
    except UnidentifiedImageError:
        other = _other_format(data)
        if other is not None:
            raise ImageError(f"the data looks like {other}, a format this server does not read; send {FORMAT_NAMES}") from None
        raise ImageError(f"the data is not an image in a format this server reads ({FORMAT_NAMES})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"the image could not be decoded; it may be truncated or corrupt ({exc})") from None
    if not reduced:
        return from_array(pixels)
    size = (width, height) if turn in _QUARTER_TURNS else (height, width)
    return from_array(pixels, size=size, source=data)


def _opaque_still_webp(img: Image.Image) -> bool:
    """A WebP that OpenCV decodes to the very pixels PIL would: one frame, no alpha (composited on white here),
    no EXIF turn. PIL decodes every WebP through libwebp's animation decoder, four bytes a pixel; OpenCV's
    libwebp call takes half the time (`bench/results/image-decode-dev-cpu-*webp-opencv*`)."""
    return img.format == "WEBP" and img.mode == "RGB" and not getattr(img, "is_animated", False) and _turn(img) is None


def _webp_pixels(data: bytes) -> np.ndarray:
    """The (h, w, 3) RGB pixels of an opaque still WebP, read-only like every decode's."""
    # Orientation is PIL's to read (it found none): OpenCV must not turn what PIL would not.
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    if pixels is None:  # OpenCV reports a broken file as no image, not as an error
        raise ImageError("the image could not be decoded; it may be truncated or corrupt (WebP)")
    pixels.flags.writeable = False
    return pixels


# Formats PIL has no opener for that people still send as images, by their leading bytes.
_SIGNATURES = ((b"%PDF-", "PDF"), (b"<svg", "SVG"))
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
# PIL plugins whose signature is two to four common bytes (a TGA header passes CUR's): not worth naming.
_WEAK_SIGNATURES = frozenset({"CUR", "DIB", "GBR", "PCX", "SGI", "XBM"})


def _other_format(data: bytes) -> str | None:
    """The name of a format outside FORMATS that `data` looks like, for the error message, from the
    signature checks of PIL's other plugins (a look at the first bytes: no decoder of theirs runs)."""
    Image.init()  # every plugin registered, not only the ones preinit() loads
    head = data[:16]
    for name, (_, accept) in Image.OPEN.items():
        if name in FORMATS or name in _WEAK_SIGNATURES or accept is None:
            continue
        try:
            if accept(head):
                return name
        except Exception:  # noqa: BLE001 - a plugin's check tripping over short data says nothing
            continue
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF/HEIC"
    start = data[:1024].lstrip().lower()
    if start.startswith(b"<?xml") and b"<svg" in start:
        return "SVG"
    return next((name for sig, name in _SIGNATURES if start.startswith(sig.lower())), None)


# EXIF orientation -> the transpose that shows the picture upright (the EXIF 2.3 table, as PIL's ImageOps uses it)
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _turn(img: Image.Image) -> Image.Transpose | None:
    """The transpose that turns the image as its EXIF orientation says (getexif also reads one kept in XMP), or
    None when it is upright. Only the turn:
    ImageOps.exif_transpose also rewrites the EXIF of its copy, and damaged tags beside the orientation (a
    number stored as text, say) made that raise TypeError or struct.error, so a photo whose pixels are fine
    became a 500. An upright image is left as it is, uncopied: that copy and the RGB
    conversion's were a quarter of a 1008 px PNG's decode and two thirds of a JPEG's on the dev machine
    (`bench/results/image-decode-dev-cpu-*`)."""
    try:
        orientation = img.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - unreadable EXIF: shown as stored, as browsers do
        orientation = None
    return _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None


def to_png(image: RgbImage) -> bytes:
    """The upright pixels as PNG, fast rather than small (a preview for browsers that cannot show the
    original format, such as TIFF: same size, same pixels the model sees)."""
    buf = io.BytesIO()
    Image.fromarray(image.pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _on_white(img: Image.Image) -> Image.Image:
    """RGB as a person sees the image: transparent pixels over white, the page's background. Dropping the
    alpha instead would hand the model whatever colour hides under it (often black, sometimes stale
    pixels an editor left), so a cut-out product photo looked different to the model and to the user."""
    # an alpha channel, or a palette entry or colour keyed transparent ("transparency": PNG's tRNS, GIF's)
    if "transparency" in img.info or img.mode in ("PA", "La", "LA", "RGBa", "RGBA"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")  # convert copies even an RGB image


def _eight_bit(img: Image.Image) -> Image.Image:
    """Scale a 16-bit, 32-bit or float single-channel image to 8 bits; other modes pass through.

    PIL's own conversion clips these modes at 255 instead of scaling them, so a 16-bit grey PNG or TIFF
    (scanners, microscopes, depth and medical exports) reached the model almost all white and a float
    TIFF all black. 16-bit data is scaled by its full range, as a browser shows a 16-bit PNG; 32-bit
    integers already within 0..255 or 0..65535 are read as 8- or 16-bit; floats within 0..1 as
    fractions; anything else is stretched from its minimum to its maximum (NaN as the minimum).
    """
    if img.mode not in ("I", "F") and not img.mode.startswith("I;16"):
        return img
    values = np.asarray(img, dtype=np.float32)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if img.mode.startswith("I;16") or (img.mode == "I" and low >= 0 and 255 < high <= 65535):
        low, high = 0.0, 65535.0
    elif img.mode == "I" and low >= 0 and high <= 255:
        low, high = 0.0, 255.0
    elif img.mode == "F" and low >= 0 and high <= 1:
        low, high = 0.0, 1.0
    span = high - low if high > low else 1.0
    scaled = np.nan_to_num((values - low) / span, nan=0.0, posinf=1.0, neginf=0.0)
    return Image.fromarray(np.rint(np.clip(scaled, 0.0, 1.0) * 255).astype(np.uint8))

"""Multi-channel convolution (NCHW) and its unshared cousin, the locally connected layer."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from . import _checks, _scratch


def _windows(x, kernel_hw, stride):
    """Every (kh, kw) window of an (N, C, H, W) array at the given stride: an (N, C, Ho, Wo, kh, kw) view."""
    return sliding_window_view(x, kernel_hw, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """Multi-channel 2-D convolution layer (a cross-correlation, as in deep learning).

    Taught in chapter 04_channels. x is (N, C, H, W), weight (F, C, kh, kw), bias None or (F,);
    ``stride`` and ``padding`` (zeros, each side) are ints or pairs. Returns (N, F, Ho, Wo) with
    out[e, f, i, j] = sum over c, m, l of xpad[e, c, i*sh + m, j*sw + l] weight[f, c, m, l] + bias[f];
    equal to ``torch.nn.functional.conv2d``.
    Raises ValueError for wrong dimensions, a channel mismatch, a bias of the wrong shape, negative padding,
    stride < 1 or a kernel larger than the padded image.
    """
    x, weight, bias = _checks.float_arrays(x=x, weight=weight, bias=bias)
    (sh, sw), (ph, pw) = _checks.conv_layer(x, weight, bias, stride, padding)
    f, c, kh, kw = weight.shape
    _checks.fits("kernel", (kh, kw), (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), "padded image")

    if (kh, kw, sh, sw, ph, pw) == (1, 1, 1, 1, 0, 0):
        # 1x1 kernel: a plain matrix product over channels at every pixel, no window gathering needed.
        n, _, h, w = x.shape
        out = (weight.reshape(f, c) @ x.reshape(n, c, h * w)).reshape(n, f, h, w)
    elif (sh, sw) == (1, 1) and 2 * pw >= kw - 1:
        out = _conv2d_stride1_rows(x, weight, ph, pw)
    else:
        out = _conv2d_im2col(x, weight, (sh, sw), (ph, pw))
    if bias is not None:
        out += bias[:, None, None]
    return out


_COLUMNS_BYTES = 1 << 20  # the stride-1 path builds columns for this many bytes of images at a time
_GATHER_BYTES = 1 << 22  # the general path gathers columns for this many bytes of output rows at a time


def _conv2d_im2col(x, weight, stride, padding):
    """conv2d by im2col: the windows of a few output rows gathered into columns (C*kh*kw, rows*Wo), then
    one matmul writes those rows of the output. Chunks of about _GATHER_BYTES of columns, through one
    buffer, so that the copy and the matmul meet in cache."""
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    (ph, pw), k = padding, c * kh * kw
    # The padded image and the columns live in scratch buffers that stay allocated between calls.
    if ph or pw:
        padded = _scratch.buffer("conv2d.padded", (n, c, h + 2 * ph, w + 2 * pw), x.dtype)
        padded[:, :, :ph] = padded[:, :, ph + h :] = 0
        padded[:, :, ph : ph + h, :pw] = padded[:, :, ph : ph + h, pw + w :] = 0
        padded[:, :, ph : ph + h, pw : pw + w] = x
        x = padded
    windows = _windows(x, (kh, kw), stride)  # (N, C, Ho, Wo, kh, kw)
    ho, wo = windows.shape[2:4]
    rows = max(1, min(ho, _GATHER_BYTES // (k * wo * x.itemsize)))
    buffer = _scratch.buffer("conv2d.columns", k * rows * wo, x.dtype)
    matrix = weight.reshape(f, k)
    out = np.empty((n, f, ho * wo), dtype=x.dtype)
    for image, out_image in zip(windows, out, strict=True):
        for top in range(0, ho, rows):
            bottom = min(ho, top + rows)
            columns = buffer[: k * (bottom - top) * wo].reshape(c, kh, kw, bottom - top, wo)
            columns[...] = image[:, top:bottom].transpose(0, 3, 4, 1, 2)
            np.matmul(matrix, columns.reshape(k, -1), out=out_image[:, top * wo : bottom * wo])
    return out.reshape(n, f, ho, wo)


def _conv2d_stride1_rows(x, weight, ph, pw):
    """conv2d at stride 1 when the output is at least as wide as the image (2 * pw >= kw - 1).

    im2col with whole rows: the image is laid out flat, one row after another, each row as wide as the
    output (Wo), with the zero rows of the vertical padding above and below. Then the input that tap
    (m, l) meets at every output position is ONE contiguous run of that flat image, starting m rows and
    l - pw columns further on, so each row of the columns matrix is a plain block copy. Near the left
    and right edges such a run wraps into the neighbouring image row where the padded image has zeros;
    those few entries are set to zero. No horizontal padding, no cropping: the matmul writes the output.
    """
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    ho, wo = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    front, back = pw, max(0, kw - 1 - pw)  # the first and last taps read this far before/after the image
    top, bottom = front + ph * wo, front + (ph + h) * wo  # where the image's rows begin and end
    # The flat image and the columns live in scratch buffers that stay allocated between calls (see _scratch).
    flat = _scratch.buffer("conv2d.flat", (n, c, bottom + ph * wo + back), x.dtype)
    flat[:, :, :top] = 0  # the margin and the zero rows of the padding, above and below
    flat[:, :, bottom:] = 0
    body = flat[:, :, top:bottom].reshape(n, c, h, wo)
    body[..., :w] = x  # rows Wo wide: any columns beyond the image's W are zeros
    body[..., w:] = 0
    s_n, s_c, s_1 = flat.strides
    runs = as_strided(flat, (n, c, kh, kw, ho * wo), (s_n, s_c, wo * s_1, s_1, s_1), writeable=False)
    matrix = weight.reshape(f, c * kh * kw)
    out = np.empty((n, f, ho * wo), dtype=x.dtype)
    # A few images at a time (about 1 MiB of columns) through one buffer: it stays in cache between the
    # copy and the matmul, where columns for the whole batch would go out to memory and back.
    per_image = c * kh * kw * ho * wo * x.itemsize
    batch = max(1, min(n, _COLUMNS_BYTES // per_image))
    buffer = _scratch.buffer("conv2d.columns", (batch, c, kh, kw, ho, wo), x.dtype)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        columns = buffer[: stop - start]
        columns.reshape(stop - start, c, kh, kw, ho * wo)[...] = runs[start:stop]
        for l in range(kw):
            if l < pw:  # wrapped to the end of the previous row: the left padding
                columns[:, :, :, l, :, : pw - l] = 0
            elif l > pw:  # wrapped to the start of the next row: the right padding
                columns[:, :, :, l, :, wo - (l - pw) :] = 0
        np.matmul(matrix, columns.reshape(stop - start, c * kh * kw, ho * wo), out=out[start:stop])
    return out.reshape(n, f, ho, wo)


def locally_connected2d(x, weight, bias=None, stride=1):
    """Locally connected layer: like conv2d without padding, but each output position has its own weights.

    Taught in chapter 04_channels. x is (N, C, H, W), weight (Ho, Wo, F, C, kh, kw), bias None or (F, Ho, Wo);
    ``stride`` is an int or a pair. Returns (N, F, Ho, Wo) with out[e, f, i, j] =
    sum over c, m, l of x[e, c, i*sh + m, j*sw + l] weight[i, j, f, c, m, l] + bias[f, i, j].
    Raises ValueError for wrong dimensions, a channel mismatch, a kernel larger than the image, or a weight
    or bias whose (Ho, Wo) differ from the output size that x, the kernel and the stride give.
    """
    x, weight, bias = _checks.float_arrays(x=x, weight=weight, bias=bias)
    _checks.ndim("x", x, 4)
    _checks.ndim("weight", weight, 6)
    _checks.non_empty("weight", weight)
    ho, wo, f, c, kh, kw = weight.shape
    _checks.channels(x, c)
    sh, sw = _checks.pair("stride", stride, 1)
    _checks.fits("kernel", (kh, kw), x.shape[2:])
    windows = _windows(x, (kh, kw), (sh, sw))
    n, _, out_h, out_w = windows.shape[:4]
    if (ho, wo) != (out_h, out_w):
        raise ValueError(
            f"weight has {ho}x{wo} output positions but x {x.shape}, kernel ({kh}, {kw}) and stride "
            f"({sh}, {sw}) give {out_h}x{out_w}"
        )
    if bias is not None:
        _checks.shape("bias", bias, (f, ho, wo))
    # One small matmul per output position, batched: (Ho*Wo, N, C*kh*kw) @ (Ho*Wo, C*kh*kw, F).
    columns = windows.transpose(2, 3, 0, 1, 4, 5).reshape(ho * wo, n, c * kh * kw)
    filters = weight.reshape(ho * wo, f, c * kh * kw).transpose(0, 2, 1)
    out = np.ascontiguousarray((columns @ filters).reshape(ho, wo, n, f).transpose(2, 3, 0, 1))
    if bias is not None:
        out += bias
    return out


def tile_weights(weight, out_hw):
    """Copy one (F, C, kh, kw) conv weight to every output position: an (Ho, Wo, F, C, kh, kw) array.

    Taught in chapter 04_channels. This is weight sharing made explicit:
    ``locally_connected2d(x, tile_weights(weight, (Ho, Wo)))`` equals ``conv2d(x, weight)``.
    ``out_hw`` is an int or a pair (Ho, Wo). The result is a new, writeable, contiguous array.
    Raises ValueError if weight is not 4-D or a size is < 1.
    """
    (weight,) = _checks.float_arrays(weight=weight)
    _checks.ndim("weight", weight, 4)
    ho, wo = _checks.pair("out_hw", out_hw, 1)
    return np.broadcast_to(weight, (ho, wo, *weight.shape)).copy()

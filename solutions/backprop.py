"""The backward pass of a convolution layer, and transposed convolution: the same computation."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks


def _scatter(grad, weight, stride, canvas_hw):
    """canvas[o, e, i*sh + m, j*sw + l] += sum over g of grad[g, e, i, j] * weight[g, o, m, l].

    ``grad`` is channels-first (G, N, Hg, Wg) and weight (G, O, kh, kw); the result is (O, N, *canvas_hw).
    One matmul gives every tap's contribution at once, (O*kh*kw, G) @ (G, N*Hg*Wg); then one strided add
    per tap (kh*kw of them) places those contributions, stride pixels apart, on the canvas, where
    neighbouring taps overlap and add up. This is dx of a convolution and the whole of a transposed one.
    """
    g, n, hg, wg = grad.shape
    _, o, kh, kw = weight.shape
    sh, sw = stride
    taps = (weight.reshape(g, o * kh * kw).T @ grad.reshape(g, n * hg * wg)).reshape(o, kh, kw, n, hg, wg)
    canvas = np.zeros((o, n, *canvas_hw), dtype=grad.dtype)
    for m in range(kh):
        for l in range(kw):
            canvas[:, :, m : m + sh * (hg - 1) + 1 : sh, l : l + sw * (wg - 1) + 1 : sw] += taps[:, m, l]
    return canvas


def conv2d_backward(dout, x, weight, stride=1, padding=0):
    """Gradients of a convolution layer: ``(dx, dweight, dbias)`` of L = sum(conv2d(x, weight, b) * dout).

    Taught in chapter 08_backprop. x is (N, C, H, W), weight (F, C, kh, kw), ``stride`` and ``padding`` ints
    or pairs as in ``conv2d``, and dout (N, F, Ho, Wo), the gradient of the loss with respect to the layer's
    output. Returns dx (N, C, H, W), dweight (F, C, kh, kw) and dbias (F,); equal to PyTorch autograd
    through ``torch.nn.functional.conv2d``. dx is a full convolution of dout (spread out with stride - 1
    zeros between its entries) with the kernel, with the padding cropped off; dweight correlates the padded
    input with dout, summed over the batch; dbias sums dout over the batch and the positions.
    Raises ValueError as ``conv2d`` does for x, weight, stride and padding, and if dout does not have the
    forward output's shape.
    """
    dout, x, weight = _checks.float_arrays(dout=dout, x=x, weight=weight)
    (sh, sw), (ph, pw) = _checks.conv_layer(x, weight, None, stride, padding)
    f, c, kh, kw = weight.shape
    n, _, h, w = x.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    _checks.fits("kernel", (kh, kw), (hp, wp), "padded image")
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    _checks.shape("dout", dout, (n, f, ho, wo))

    dbias = dout.sum(axis=(0, 2, 3))
    grad = np.ascontiguousarray(dout.transpose(1, 0, 2, 3))  # (F, N, Ho, Wo)
    # dweight[f, c, m, l] = sum over e, i, j of dout[e, f, i, j] xpad[e, c, i*sh + m, j*sw + l]: the windows
    # of the padded input as columns (C*kh*kw, N*Ho*Wo), then one matmul.
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    windows = sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]  # (N, C, Ho, Wo, kh, kw)
    columns = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * ho * wo)
    dweight = (grad.reshape(f, n * ho * wo) @ columns.T).reshape(f, c, kh, kw)
    # dx: every output's gradient sent back through the kernel to the pixels its window read.
    dxpad = _scatter(grad, weight, (sh, sw), (hp, wp))  # (C, N, Hp, Wp)
    dx = np.ascontiguousarray(dxpad[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3))
    return dx, dweight, dbias


def transposed_output_size(input_size, kernel_size, padding=0, stride=1, output_padding=0, dilation=1):
    """Length of a transposed convolution's output along one axis: (n - 1)s - 2p + d(k - 1) + op + 1.

    Taught in chapter 09_transposed. Inverts chapter 03's ``output_size``: for output_padding < stride, a
    convolution with the same kernel size, padding, stride and dilation maps this length back to
    ``input_size``. Because that formula rounds down, stride lengths map to the same size;
    ``output_padding`` (op above) picks one of them. As PyTorch's ``ConvTranspose2d``, output_padding may
    go up to max(stride, dilation) - 1 (the values from stride on are sizes no such convolution maps
    back to ``input_size``). Returns a Python int.
    Raises ValueError if n < 1, k < 1, p < 0, s < 1, d < 1, output_padding < 0 or >= max(stride,
    dilation), or the result is < 1.
    """
    n = _checks.integer("input_size", input_size, 1)
    k = _checks.integer("kernel_size", kernel_size, 1)
    p = _checks.integer("padding", padding, 0)
    s = _checks.integer("stride", stride, 1)
    op = _checks.integer("output_padding", output_padding, 0)
    d = _checks.integer("dilation", dilation, 1)
    if op >= max(s, d):
        larger = f"stride {s}" if s >= d else f"stride {s} or dilation {d}, whichever is larger"
        raise ValueError(f"output_padding must be smaller than {larger}, got {op}")
    size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if size < 1:
        raise ValueError(f"padding {p} crops the whole output away: the output size would be {size}")
    return size


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution: the backward pass of ``conv2d`` with respect to its input, used as a layer.

    Taught in chapter 09_transposed. x is (N, C_in, H, W), weight (C_in, F, kh, kw) (input channels first, as
    in PyTorch), bias None or (F,); ``stride``, ``padding`` and ``output_padding`` are ints or pairs. Each
    input pixel x[e, c, i, j] adds x[e, c, i, j] * weight[c, f] to the output window starting at
    (i*sh - ph, j*sw - pw); padding crops ph rows (pw columns) off each side. The output has
    ``transposed_output_size`` rows and columns and equals ``torch.nn.functional.conv_transpose2d``.
    Raises ValueError for wrong dimensions, a channel mismatch, a bias of the wrong shape, negative padding,
    stride < 1, output_padding < 0 or >= stride, or an empty output.
    """
    x, weight, bias = _checks.float_arrays(x=x, weight=weight, bias=bias)
    (sh, sw), (ph, pw) = _checks.conv_layer(x, weight, bias, stride, padding, in_axis=0)
    c, f, kh, kw = weight.shape
    oph, opw = _checks.pair("output_padding", output_padding, 0)
    n, _, h, w = x.shape
    if h < 1 or w < 1:
        _checks.non_empty("x", x)
    ho = transposed_output_size(h, kh, ph, sh, oph)
    wo = transposed_output_size(w, kw, pw, sw, opw)
    grad = np.ascontiguousarray(x.transpose(1, 0, 2, 3))  # (C_in, N, H, W)
    canvas = _scatter(grad, weight, (sh, sw), ((h - 1) * sh + kh + oph, (w - 1) * sw + kw + opw))
    out = np.ascontiguousarray(canvas[:, :, ph : ph + ho, pw : pw + wo].transpose(1, 0, 2, 3))
    if bias is not None:
        out += bias[:, None, None]
    return out

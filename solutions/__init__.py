"""Reference solutions of the convolutions course: every graded exercise, vectorised with numpy.

Hidden from students. Depends on numpy only. Each function's docstring names the chapter that teaches it.
"""

from .backprop import conv2d_backward, conv_transpose2d, transposed_output_size
from .channels import conv2d, locally_connected2d, tile_weights
from .correlation import convolve2d, convolve2d_full, correlate2d
from .dilation import dilate_kernel, dilated_correlate2d, effective_kernel_size
from .motivations import (
    conv_parameters,
    dense_parameters,
    locally_connected_parameters,
    receptive_field,
    translate,
)
from .one_by_one import bottleneck_macs, conv1x1, conv_macs
from .padding import correlate2d_padded, output_size, pad2d, same_padding
from .pooling import avgpool2d, maxpool2d_backward, maxpool2d_forward

__all__ = [
    # 01_convolution
    "correlate2d",
    "convolve2d",
    "convolve2d_full",
    # 02_motivations
    "dense_parameters",
    "locally_connected_parameters",
    "conv_parameters",
    "receptive_field",
    "translate",
    # 03_padding
    "output_size",
    "pad2d",
    "correlate2d_padded",
    "same_padding",
    # 04_channels
    "conv2d",
    "locally_connected2d",
    "tile_weights",
    # 05_one_by_one
    "conv1x1",
    "conv_macs",
    "bottleneck_macs",
    # 06_dilation
    "dilate_kernel",
    "dilated_correlate2d",
    "effective_kernel_size",
    # 07_pooling
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d",
    # 08_backprop
    "conv2d_backward",
    # 09_transposed
    "conv_transpose2d",
    "transposed_output_size",
]

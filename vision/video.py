"""Reading frames of YUV4MPEG2 (.y4m) files: the fake-webcam clips the tests and the benchmark
replay. Only 4:2:0 (C420, C420jpeg, C420paldv) is supported, which is what Chromium plays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


def read_y4m(path: Path | str, *, limit: int | None = None) -> Iterator[np.ndarray]:
    """RGB frames of a 4:2:0 .y4m file, in order (full-range BT.601, as C420jpeg says)."""
    with open(path, "rb") as handle:
        header = handle.readline().decode("ascii").split()
        if not header or header[0] != "YUV4MPEG2":
            raise ValueError(f"{path} is not a YUV4MPEG2 file")
        fields = {item[0]: item[1:] for item in header[1:]}
        width, height = int(fields["W"]), int(fields["H"])
        if not fields.get("C", "420").startswith("420"):
            raise ValueError(f"{path}: only 4:2:0 colour is supported")
        y_size, c_size = width * height, (width // 2) * (height // 2)
        count = 0
        while limit is None or count < limit:
            marker = handle.readline()
            if not marker.startswith(b"FRAME"):
                return
            raw = handle.read(y_size + 2 * c_size)
            if len(raw) < y_size + 2 * c_size:
                return
            buf = np.frombuffer(raw, dtype=np.uint8)
            y = buf[:y_size].reshape(height, width).astype(np.float32)
            u_plane = buf[y_size : y_size + c_size].reshape(height // 2, width // 2)
            v_plane = buf[y_size + c_size :].reshape(height // 2, width // 2)
            u = u_plane.repeat(2, 0).repeat(2, 1)[:height, :width].astype(np.float32) - 128
            v = v_plane.repeat(2, 0).repeat(2, 1)[:height, :width].astype(np.float32) - 128
            rgb = np.stack([y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u], -1)
            yield np.clip(rgb, 0, 255).astype(np.uint8)
            count += 1

"""Only frames decoded from a complete picture chain become evidence or thumbnails.

A video frame other than a key frame only describes changes against the frames before it.
When RTP packets are lost, aiortc's jitter buffer drops the incomplete frame and asks the sender
for a new key frame (a PLI), but it keeps handing the following delta frames to the decoder,
which paints their changes over a picture it never had: grey, blocky smears until the key
frame arrives. Such a frame once became the evidence of a high-severity "left the seat" alert.
The same happens at the start of a stream that begins after its key frame was lost.

``install()`` (called by the media process before its first peer) wraps aiortc's video
decoders so that only clean frames come out: a frame is clean once a key frame has been decoded
and no frame was lost or failed to decode since. The others are still decoded (the decoder
needs them for what follows) but handed to nobody: not the evidence sampler, not the grid's
thumbnails, not a proctor's focus view, which holds its last clean picture for the moment
instead. aiortc exposes no hook for this, so ``install`` replaces the decoder factory its
receiver module imported and wraps its jitter buffer's ``add`` to mark the first frame after a
loss; both are small and checked by tests against the aiortc version installed.
"""

from __future__ import annotations

from typing import Any

_installed = False


def is_key_frame(codec_name: str, data: bytes) -> bool:
    """Whether the encoded frame ``data`` (depayloaded) starts a picture chain on its own."""
    name = codec_name.lower()
    if name == "vp8":
        # RFC 6386 9.1: bit 0 of the frame tag is 0 for a key frame.
        return bool(data) and data[0] & 0x01 == 0
    if name == "h264":
        # Annex B NAL units; type 5 is a slice of an IDR picture.
        for index in range(len(data) - 3):
            if data[index : index + 3] == b"\x00\x00\x01" and data[index + 3] & 0x1F == 5:
                return True
        return False
    return True  # a codec this check does not know: its frames are taken as they come


class CleanDecoder:
    """Wraps one aiortc decoder; keeps back frames decoded while the chain is broken."""

    def __init__(self, inner: Any, codec_name: str) -> None:
        self.inner = inner
        self.codec_name = codec_name
        self.clean = False  # no key frame yet

    def decode(self, encoded_frame: Any) -> list[Any]:
        key = is_key_frame(self.codec_name, encoded_frame.data)
        if key:
            self.clean = True
        elif getattr(encoded_frame, "after_loss", False):
            self.clean = False
        try:
            frames = self.inner.decode(encoded_frame)
        except Exception:
            self.clean = False  # what follows refers to a picture that was not decoded
            raise
        return list(frames) if self.clean else []


def install() -> None:
    """Wrap aiortc's video decoders and jitter buffer (idempotent)."""
    global _installed
    if _installed:
        return
    from aiortc import jitterbuffer, rtcrtpreceiver

    make_decoder = rtcrtpreceiver.get_decoder

    def get_decoder(codec: Any) -> Any:
        decoder = make_decoder(codec)
        if codec.mimeType.lower().startswith("video/"):
            return CleanDecoder(decoder, codec.name)
        return decoder

    add = jitterbuffer.JitterBuffer.add

    def add_marking_losses(self: Any, packet: Any) -> Any:
        pli_flag, frame = add(self, packet)
        if pli_flag and self._is_video:
            self._after_loss = True  # a frame was dropped: the next one follows a gap
        if frame is not None and getattr(self, "_after_loss", False):
            frame.after_loss = True  # type: ignore[attr-defined]
            self._after_loss = False
        return pli_flag, frame

    rtcrtpreceiver.get_decoder = get_decoder
    jitterbuffer.JitterBuffer.add = add_marking_losses  # type: ignore[method-assign]
    _installed = True

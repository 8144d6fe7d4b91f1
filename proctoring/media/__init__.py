"""The media process's half of live proctoring (``config.media_asgi``): the server's WebRTC peers.

Every module here runs only in the media process (or a benchmark standing in for one) and most
import aiortc and PyAV, which the web process must never load: its pages and sockets reach the
media process only through the URL of ``settings.WEBRTC_WS_BASE`` and the channel layer. This
file therefore imports nothing, so naming the package costs the importer nothing.

- ``routing``: the WebSocket routes of the media process.
- ``consumers``: the candidate's views (view 1, the phone's view 2) into the server.
- ``focus``: a proctor's focus peer, fed from the views' relays, and voice talk back.
- ``signalling``: what those signalling sockets share.
- ``live``: the registry of live views and focus peers in this process.
- ``peers``: server peers, SDP edits and the readers of received tracks.
- ``sampling``, ``audio_sampling``: frames and audio chunks handed to vision.
- ``shutdown``: closing every peer when the process stops, and forgetting its views.
"""

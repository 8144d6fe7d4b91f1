"""View 1 through a real TURN server (issue 13, section 5): coturn started by the test on loopback
with REST-API authentication, the platform's processes given its URL and secret and the pages a
relay-only ICE policy. The camera reaches the media process only if the page's TURN credential
(derived per user, time-limited) is accepted and its media relayed: inside bin/in-loopback-netns
there is nothing else a relay-only page could use. The page's selected candidate pair is a relay
one, and coturn's log shows allocations for the candidate and for the media process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exams.models import Attempt
from proctoring.models import EvidenceFrame
from tests.browser.flows import sign_the_commitment, wait_for
from tests.coturn import SECRET, Coturn
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every RTCPeerConnection the page makes, so the test can read its configuration and stats
# (added by Playwright before the page's own scripts, outside the page's CSP).
KEEP_PEERS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__peers.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();
"""

SELECTED_PAIR = """
async () => {
  const pc = window.__peers[window.__peers.length - 1];
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) {
      pair = stats.get(s.selectedCandidatePairId);
    }
  });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return {
    policy: pc.getConfiguration().iceTransportPolicy,
    servers: pc.getConfiguration().iceServers.map((s) => s.urls),
    local: local.candidateType, relayProtocol: local.relayProtocol || null,
    remote: remote.candidateType, remoteAddress: remote.address,
  };
}
"""


@pytest.fixture(scope="module")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coturn]:
    server = Coturn(Path(tmp_path_factory.mktemp("coturn")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def platform_env(coturn: Coturn) -> dict[str, str]:
    return {
        "WEBRTC_TURN_URLS": coturn.url,
        "WEBRTC_TURN_SECRET": SECRET,
        "WEBRTC_TURN_TTL_SECONDS": "600",
        "WEBRTC_ICE_TRANSPORT_POLICY": "relay",
        "MEDIA_PROCESS_ID": "turn-test",
    }


def test_view_one_connects_only_through_the_turn_relay(
    personas: Personas, live_platform, coturn: Coturn, media_browser, screenshot
) -> None:
    context = media_browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
    context.add_init_script(KEEP_PEERS)
    page = context.new_page()
    sign_the_commitment(page, live_platform.url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=30000)
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    wait_for(lambda: EvidenceFrame.objects.filter(attempt=attempt, view=1).exists())
    screenshot(page, "through-turn")

    page.wait_for_function("() => window.__peers && window.__peers.length > 0")
    pair = page.evaluate(SELECTED_PAIR)
    assert pair is not None, "no selected candidate pair"
    assert pair["policy"] == "relay"
    assert pair["servers"] == [[coturn.url]]
    assert pair["local"] == "relay" and pair["relayProtocol"] == "udp", pair

    # coturn allocated relays for the candidate's page (a credential of the candidate's user)
    # and for the media process (its own), and bound the page's relay to a peer to carry media.
    user = f":user-{attempt.registration.candidate.user_id}"
    allocated, bound = coturn.allocated_usernames(), coturn.channel_users()
    assert any(name.endswith(user) for name in allocated), coturn.text()[-3000:]
    assert any(name.endswith(":media-turn-test") for name in allocated), coturn.text()[-3000:]
    assert any(name.endswith(user) for name in bound), coturn.text()[-3000:]

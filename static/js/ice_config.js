// The ICE servers (STUN, TURN with time-limited credentials) and the transport policy that the
// server renders into a page's data-ice attribute (proctoring/ice.py), for the pages' WebRTC
// peers (view1.js, view2.js, focus.js, which import it); none when none is configured.
export function configuration(node) {
  try {
    const conf = JSON.parse((node && node.dataset.ice) || "{}");
    return {
      iceServers: Array.isArray(conf.iceServers) ? conf.iceServers : [],
      iceTransportPolicy: conf.iceTransportPolicy === "relay" ? "relay" : "all",
    };
  } catch (error) {
    return { iceServers: [] };
  }
}

// Extra displays (Window Management API; what the views of R-PROC-1 cannot see): where the browser can tell, `screen.isExtended` says
// whether this computer has more than one display attached, and `screen` fires "change" when
// that changes. Browsers without the API (Firefox, Safari) cannot tell; then nothing is
// reported, and the device check says the browser cannot tell (no false alarm either way).
// The page must allow "window-management" (Permissions-Policy, {% uses_devices %}); without it
// the browser answers false.
//
// state() -> "extended" | "single" | "unknown".
// On the exam page (#exam) an extra display is reported as the page event "extra_display" (and
// "single_display" once it is gone) through page_leave.js (`exam:report` on document), which
// reaches the proctor console as an alert; the page tells the candidate to disconnect it.
// On the device check (#display-check) the verdict is shown.
function state() {
  if (!window.screen || typeof window.screen.isExtended !== "boolean") return "unknown";
  return window.screen.isExtended ? "extended" : "single";
}
function watch(callback) {
  if (state() === "unknown" || !window.screen.addEventListener) return;
  window.screen.addEventListener("change", () => callback(state()));
}
export { state, watch };

const text = (scope, key) => {
  const node = document.querySelector(`${scope} [data-key="${key}"]`);
  return node ? node.textContent : "";
};

const check = document.getElementById("display-check");
if (check) {
  const verdict = check.querySelector("[data-verdict]");
  const show = (value) => {
    check.dataset.state = value;
    verdict.textContent = text("#display-texts", value);
  };
  show(state());
  watch(show);
}

const exam = document.getElementById("exam");
const notice = document.getElementById("display-warning");
if (exam && notice) {
  let reported = "single"; // a single display is what the exam expects: nothing to report
  const report = (value) => {
    notice.hidden = value !== "extended";
    if (value === "extended") notice.textContent = text("#display-texts", "exam_extended");
    if (value === "unknown" || value === reported) return;
    reported = value;
    document.dispatchEvent(new CustomEvent("exam:report", {
      detail: { kind: value === "extended" ? "extra_display" : "single_display" },
    }));
  };
  report(state());
  watch(report);
}

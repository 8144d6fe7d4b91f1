// ESLint for the platform's own browser scripts (static/js), no build step. `make lint` runs it
// after `npm ci`. Most files are ES modules (loaded with <script type="module">, importing
// each other by relative path); the rest are classic scripts loaded with <script defer>, one
// IIFE each, that share nothing with other files.
import js from "@eslint/js";
import globals from "globals";

// The classic scripts: each stands alone, so nothing it declares may leak onto `window`.
const CLASSIC = [
  "static/js/device_check.js",
  "static/js/exam.js",
  "static/js/job_progress.js",
  "static/js/page_leave.js",
  "static/js/page_timers.js",
  "static/js/phone_pairing.js",
  "static/js/proctor_lock.js",
  "static/js/room_scan_step.js",
  "static/js/self_enrolment.js",
];

const rules = {
  "no-var": "error",
  "prefer-const": "error",
  eqeqeq: ["error", "always"],
  // A failed fetch or socket is handled by what the page does next, not by the error.
  "no-unused-vars": ["error", { caughtErrors: "none" }],
};

export default [
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    ignores: CLASSIC,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
    rules,
  },
  {
    files: CLASSIC,
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: { ...globals.browser } },
    rules: { ...rules, "no-implicit-globals": "error", strict: ["error", "function"] },
  },
];

// ESLint for the platform's own browser scripts (static/js): classic scripts loaded with
// <script defer>, one IIFE each, no build step. `make lint` runs it after `npm ci`.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "error",
      strict: ["error", "function"],
      // A failed fetch or socket is handled by what the page does next, not by the error.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
];

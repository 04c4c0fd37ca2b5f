// Entry point under the name the draw page imports (public_site/static/verify-ui.js).
export * from "./verify-draw.mjs";
export { verifyDraw as default } from "./verify-draw.mjs";

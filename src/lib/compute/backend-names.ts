/** The tfjs backends, in the order the app prefers them; apart from backend.ts so a page can name them without loading tfjs. */
export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

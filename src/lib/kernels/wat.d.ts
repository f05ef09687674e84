/** WebAssembly text compiled at build time by wat-plugin.ts: each build's bytes by name. */
declare module '*.wat?wasm-bytes' {
  const builds: Readonly<Record<string, Uint8Array<ArrayBuffer>>>;
  export default builds;
}

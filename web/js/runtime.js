// Written by web/scripts/build_tfjs.mjs: the TensorFlow.js runtime in web/vendor/, its files named
// by their content (vendor/ is cached for a year). CPU_BACKEND: imported only when wasm fails.
// SHARED: the chunk both import, imported on its own first (its evaluation a task of its own).
export const RUNTIME = 'tfjs.0dd379dd8a62e661.js';
export const SHARED = 'tfjs-shared.2712a572abb481c2.js';
export const CPU_BACKEND = 'tfjs-cpu.a31c884ce1bc9e58.js';

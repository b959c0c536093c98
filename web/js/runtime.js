// Written by web/scripts/build_tfjs.mjs: the TensorFlow.js runtime in web/vendor/, its files named
// by their content (vendor/ is cached for a year). CPU_BACKEND: imported only when wasm fails.
export const RUNTIME = 'tfjs.2a5da9ef80d12969.js';
export const CPU_BACKEND = 'tfjs-cpu.0e1e8f1a053e886e.js';

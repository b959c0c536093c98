// A LayersModel's first run, one layer at a time. The first run of a model sets up every layer's
// kernels (the wasm backend builds and packs each convolution's operator), which for the words
// model is the longest task of the page's load; run as one predict() it blocks input for as long.
// Run layer by layer, awaiting `pause()` (the page: the next idle time) between layers, the same
// set-up is many short tasks. It reads the model's own graph (each layer's inbound node), so it
// follows any functional model: residual Adds included.

/**
 * Run `model` once on `input` (a tf.Tensor of the model's input shape), one layer per step.
 * @param {object} tf      the TensorFlow.js namespace
 * @param {object} model   a tf.LayersModel with one input and one output
 * @param {object} input   the tensor to run (not disposed)
 * @param {() => Promise<void>} pause  awaited before each layer
 * @returns {Promise<Float32Array>}  the model's output for `input`, read back
 */
export async function warmLayerByLayer(tf, model, input, pause) {
  const values = new Map([[model.inputs[0].id, input]]); // symbolic tensor id -> its value
  const made = [];
  try {
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const node = layer.inboundNodes.find((n) => n.inputTensors.length > 0
        && n.inputTensors.every((t) => values.has(t.id)));
      if (!node) throw new Error(`layer ${layer.name}: its inputs are not computed before it`);
      await pause();
      const ins = node.inputTensors.map((t) => values.get(t.id));
      const out = tf.tidy(() => layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }));
      const outs = Array.isArray(out) ? out : [out];
      outs.forEach((t, i) => { values.set(node.outputTensors[i].id, t); made.push(t); });
    }
    const result = values.get(model.outputs[0].id);
    if (!result) throw new Error('the model output was not computed');
    return await result.data();
  } finally {
    for (const t of made) t.dispose();
  }
}

// Verification worker: embeds and verifies signatures with the WebAssembly module off the main
// thread, so that a long signature does not block the page while it is embedded. It is a classic worker because the
// Emscripten loader is a classic script. web/verify-client.js wraps it in promises.
//
// Every request is { type, id, ... }. The worker copies `id` into its reply, so that a caller
// with several requests in flight can match each reply to its request. Requests:
//   load { id, model }               makes `model` (the ArrayBuffer of a model file) the model
//                                    that embeds and verifies. The previous model stays in use
//                                    when the file cannot be read.
//   reference { id, embeddings }     averages enrolment embeddings (a Float32Array of whole
//                                    embeddings, one after another) into a reference
//   embed { id, points }             embeds a signature: points is a Float64Array in the
//                                    module's flat format, [x, y, t_ms, pressure, stroke] per point
//   verify { id, reference, points } compares a signature with a reference (a Float32Array)
//   stats { id }                     reports the module's memory
// Replies:
//   ready {}                         once, when the module has started
//   result { id, request, ... }      request "load": embeddingSize, threshold, description
//                                    (the model's JSON description); "reference": reference
//                                    (Float32Array); "embed": embedding (Float32Array);
//                                    "verify": score, threshold, accepted; "stats": heapBytes
//                                    (size of the WebAssembly memory), heapBytesInUse (bytes
//                                    allocated by malloc and not freed), handles (JavaScript
//                                    values held by the module)
//   error { id, request, message }   the request failed; id is null when the module failed to
//                                    start
// Arrays in requests and replies are transferred, not copied.
'use strict';

importScripts('wasm/inkprint.js');

const modulePromise = createInkprintModule({
  locateFile: (file) => new URL(`wasm/${file}`, self.location.href).href,
  printErr: (text) => console.warn(text),
});

// The loaded model (a module.Model), or null before the first load.
let model = null;

function describeError(error) {
  return error instanceof Error ? error.message : String(error);
}

function loadedModel() {
  if (model === null) {
    throw new Error('no model is loaded: send a load request with the bytes of a model file first');
  }
  return model;
}

function requireArray(value, type, name) {
  if (!(value instanceof type)) {
    const got = value === null ? 'null' : value?.constructor?.name ?? typeof value;
    throw new Error(`${name} must be a ${type.name}, got ${got}`);
  }
  return value;
}

// Runs one request. Returns [reply fields, buffers to transfer].
function handleRequest(module, message) {
  switch (message.type) {
    case 'load': {
      if (!(message.model instanceof ArrayBuffer)) {
        throw new Error('model must be the ArrayBuffer of a model file');
      }
      const loaded = new module.Model(new Uint8Array(message.model));
      model?.delete();
      model = loaded;
      const fields = { embeddingSize: model.embeddingSize(), threshold: model.threshold(), description: model.describe() };
      return [fields, []];
    }
    case 'reference': {
      const embeddings = requireArray(message.embeddings, Float32Array, 'embeddings');
      const reference = module.makeReference(embeddings, loadedModel().embeddingSize());
      return [{ reference }, [reference.buffer]];
    }
    case 'embed': {
      const points = requireArray(message.points, Float64Array, 'points');
      const embedding = loadedModel().embed(points);
      return [{ embedding }, [embedding.buffer]];
    }
    case 'verify': {
      const reference = requireArray(message.reference, Float32Array, 'reference');
      const points = requireArray(message.points, Float64Array, 'points');
      const { score, threshold, accepted } = loadedModel().verify(reference, points);
      return [{ score, threshold, accepted }, []];
    }
    case 'stats':
      return [
        {
          heapBytes: module.HEAPU8.length,
          heapBytesInUse: module.heapBytesInUse(),
          handles: module.count_emval_handles(),
        },
        [],
      ];
    default:
      throw new Error(
        `unknown request type ${JSON.stringify(message.type)}: use load, reference, embed, verify or stats`,
      );
  }
}

self.onmessage = async (event) => {
  const message = event.data ?? {};
  const id = message.id ?? null;
  const request = message.type ?? null;
  try {
    const module = await modulePromise;
    const [fields, transfer] = handleRequest(module, message);
    postMessage({ type: 'result', id, request, ...fields }, transfer);
  } catch (error) {
    postMessage({ type: 'error', id, request, message: describeError(error) });
  }
};

modulePromise.then(
  () => postMessage({ type: 'ready' }),
  (error) =>
    postMessage({
      type: 'error',
      id: null,
      request: null,
      message: `The WebAssembly module failed to start: ${describeError(error)}`,
    }),
);

// Promise interface of the verification worker (verify-worker.js): each method sends one
// request and resolves with the worker's reply, or rejects with an Error carrying the worker's
// message. Requests may overlap, and the worker replies to them in the order they were sent.
//
// Usage:
//   const verifier = new VerifyWorker();
//   await verifier.load(modelArrayBuffer);
//   const reference = await verifier.reference(embeddings);  // Float32Array
//   const { score, accepted } = await verifier.verify(reference, points);
//   verifier.terminate();
//
// The arrays passed in are transferred to the worker, so they are empty afterwards: pass a copy
// (array.slice()) to keep one.

const WORKER_URL = new URL('verify-worker.js', import.meta.url);

export class VerifyWorker {
  #worker;
  #pending = new Map();
  #nextId = 1;
  #failure = null;

  constructor(url = WORKER_URL) {
    this.#worker = new Worker(url);
    this.ready = new Promise((resolve, reject) => {
      this.#worker.addEventListener('message', (event) => {
        const reply = event.data;
        if (reply.type === 'ready') {
          resolve();
        } else if (reply.id === null) {
          this.#fail(new Error(reply.message));
          reject(this.#failure);
        } else {
          this.#settle(reply);
        }
      });
      // Fires when the worker script cannot be loaded or throws outside a request.
      this.#worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.#fail(new Error(`the verification worker failed: ${event.message || 'it could not be loaded'}`));
        reject(this.#failure);
      });
    });
    // A caller that never awaits `ready` still sees the failure through its requests.
    this.ready.catch(() => {});
  }

  // Loads a model file (ArrayBuffer). Resolves with { embeddingSize, threshold, description }.
  load(model) {
    return this.#send({ type: 'load', model }, [model]);
  }

  // Resolves with { reference }, the Float32Array averaged from `embeddings`.
  reference(embeddings) {
    return this.#send({ type: 'reference', embeddings }, [embeddings.buffer]);
  }

  // Resolves with { embedding }, a Float32Array.
  embed(points) {
    return this.#send({ type: 'embed', points }, [points.buffer]);
  }

  // Resolves with { score, threshold, accepted }.
  verify(reference, points) {
    return this.#send({ type: 'verify', reference, points }, [reference.buffer, points.buffer]);
  }

  // Resolves with { heapBytes, heapBytesInUse, handles }: see verify-worker.js.
  stats() {
    return this.#send({ type: 'stats' }, []);
  }

  // Stops the worker. Requests still in flight reject.
  terminate() {
    this.#worker.terminate();
    this.#fail(new Error('the verification worker was terminated'));
  }

  #send(message, transfer) {
    if (this.#failure !== null) {
      return Promise.reject(this.#failure);
    }
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...message, id }, transfer);
    });
  }

  #settle(reply) {
    const waiter = this.#pending.get(reply.id);
    if (waiter === undefined) {
      return;
    }
    this.#pending.delete(reply.id);
    if (reply.type === 'error') {
      waiter.reject(new Error(reply.message));
      return;
    }
    const { type, id, request, ...fields } = reply;
    waiter.resolve(fields);
  }

  #fail(error) {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) {
      waiter.reject(this.#failure);
    }
    this.#pending.clear();
  }
}

// The Train section's data kept in this browser's IndexedDB (database "inkprint-training"):
// trained models (each model's file bytes with its name, date, training configuration and
// validation EER), which model is active, and the signatures captured for training. When
// IndexedDB cannot be opened (a private window, storage turned off), everything is kept in
// memory until the page closes, and `problem` describes why.
//
// After each change of the stored models or of the active model, the store posts a message on a
// BroadcastChannel, and the page's other tabs run their `onExternalChange`.

import { errorText, openDatabase, requestResult, transactionDone } from './idb.js';

export const MODEL_DATABASE_NAME = 'inkprint-training';
const DATABASE_VERSION = 1;
const MODELS = 'models';
const SETTINGS = 'settings';
const CAPTURED = 'captured';
const ACTIVE_MODEL_KEY = 'activeModel';
const CHANNEL_NAME = 'inkprint-models';
// The message sent on the channel after a change of the captured signatures; any other
// message means a change of the models.
const CAPTURED_CHANGED = 'captured';

// The error message for a stored model that is missing, for example deleted in another tab.
export const MISSING_MODEL_MESSAGE =
  'the model is no longer stored, maybe deleted in another tab. Choose another model.';

// The id of the default model (web/models/default.inkprint), which is not stored.
export const DEFAULT_MODEL_ID = 'default';

// The id of the pen model (web/models/pen.inkprint), which comes with the page too. Its time
// warping compares pen pressure, so it suits pens that measure it and no other pointer.
export const PEN_MODEL_ID = 'pen';

function openModelDatabase() {
  return openDatabase(MODEL_DATABASE_NAME, DATABASE_VERSION, (database) => {
    if (!database.objectStoreNames.contains(MODELS)) {
      database.createObjectStore(MODELS, { keyPath: 'id', autoIncrement: true });
    }
    if (!database.objectStoreNames.contains(SETTINGS)) {
      database.createObjectStore(SETTINGS);
    }
    if (!database.objectStoreNames.contains(CAPTURED)) {
      database.createObjectStore(CAPTURED, { keyPath: 'id', autoIncrement: true });
    }
  });
}

export class ModelStore {
  constructor() {
    this.database = null;
    // Used when IndexedDB is unavailable: id -> record, and the active id.
    this.memory = new Map();
    this.memoryActive = DEFAULT_MODEL_ID;
    this.memoryCaptured = [];
    this.nextMemoryId = 1;
    this.problem = null;
    // Callback run after another tab has stored, deleted or chosen a model.
    this.onExternalChange = () => {};
    // Callback run after another tab has added or removed captured signatures.
    this.onCapturedChange = () => {};
    this.channel = null;
  }

  async open() {
    try {
      this.database = await openModelDatabase();
      if (typeof BroadcastChannel === 'function') {
        this.channel = new BroadcastChannel(CHANNEL_NAME);
        this.channel.onmessage = (event) => {
          if (event.data === CAPTURED_CHANGED) {
            this.onCapturedChange();
          } else {
            this.onExternalChange();
          }
        };
      }
    } catch (error) {
      this.database = null;
      if (error?.newerVersion === true) {
        this.problem =
          `Trained models and captured signatures cannot be opened: ${errorText(error)}. Until ` +
          'then, what you train or capture is kept only until the page closes.';
        return;
      }
      this.problem =
        `Trained models and captured signatures cannot be saved in this browser (IndexedDB: ` +
        `${errorText(error)}), so they are kept only until the page closes. Export a model to ` +
        'keep it.';
    }
  }

  // Returns every stored model without its bytes, oldest first:
  // [{ id, name, createdAt, config, validationEer, bestEpoch, epochsRun, size }].
  async list() {
    const records = this.database === null ? [...this.memory.values()] : await this.#all();
    return records.map(({ bytes, ...summary }) => ({ ...summary, size: bytes.byteLength }));
  }

  // Returns the stored record with its bytes (an ArrayBuffer), or undefined.
  async get(id) {
    if (this.database === null) {
      return this.memory.get(id);
    }
    const transaction = this.database.transaction(MODELS, 'readonly');
    return requestResult(transaction.objectStore(MODELS).get(id));
  }

  // Stores a model: { name, createdAt, config, validationEer, bestEpoch, epochsRun, bytes }.
  // Returns its new id. Throws when the browser refuses the write, for example when its
  // storage quota is used up.
  async add(record) {
    if (this.database === null) {
      const id = this.nextMemoryId;
      this.nextMemoryId += 1;
      this.memory.set(id, { ...record, id });
      return id;
    }
    const transaction = this.database.transaction(MODELS, 'readwrite');
    const id = await requestResult(transaction.objectStore(MODELS).add(record));
    await transactionDone(transaction);
    this.#tellOtherTabs();
    return id;
  }

  async remove(id) {
    if (this.database === null) {
      this.memory.delete(id);
      if (this.memoryActive === id) {
        this.memoryActive = DEFAULT_MODEL_ID;
      }
      return;
    }
    const transaction = this.database.transaction([MODELS, SETTINGS], 'readwrite');
    transaction.objectStore(MODELS).delete(id);
    const settings = transaction.objectStore(SETTINGS);
    const active = await requestResult(settings.get(ACTIVE_MODEL_KEY));
    if (active === id) {
      settings.put(DEFAULT_MODEL_ID, ACTIVE_MODEL_KEY);
    }
    await transactionDone(transaction);
    this.#tellOtherTabs();
  }

  // Returns the id of the active model: DEFAULT_MODEL_ID, PEN_MODEL_ID or a stored model's id.
  async activeId() {
    if (this.database === null) {
      return this.memoryActive;
    }
    const transaction = this.database.transaction(SETTINGS, 'readonly');
    return (await requestResult(transaction.objectStore(SETTINGS).get(ACTIVE_MODEL_KEY))) ?? DEFAULT_MODEL_ID;
  }

  // Stores the choice of active model. Throws when `id` names a stored model that is missing,
  // for example because another tab has just deleted it, so that the choice never names one.
  async setActiveId(id) {
    const stored = id !== DEFAULT_MODEL_ID && id !== PEN_MODEL_ID;
    if (this.database === null) {
      if (stored && !this.memory.has(id)) {
        throw new Error(MISSING_MODEL_MESSAGE);
      }
      this.memoryActive = id;
      return;
    }
    const transaction = this.database.transaction([MODELS, SETTINGS], 'readwrite');
    // The check and the write are in one transaction, so a deletion cannot come between them.
    if (stored && (await requestResult(transaction.objectStore(MODELS).getKey(id))) === undefined) {
      transaction.abort();
      throw new Error(MISSING_MODEL_MESSAGE);
    }
    transaction.objectStore(SETTINGS).put(id, ACTIVE_MODEL_KEY);
    await transactionDone(transaction);
    this.#tellOtherTabs();
  }

  // Returns the captured signatures, oldest first: [{ id, person, kind, points }], where kind
  // is "genuine" or "forgery" and points a Float64Array in the module's flat point format.
  async listCaptured() {
    if (this.database === null) {
      return [...this.memoryCaptured];
    }
    const transaction = this.database.transaction(CAPTURED, 'readonly');
    return requestResult(transaction.objectStore(CAPTURED).getAll());
  }

  // Stores one captured signature: { person, kind, points }. Returns its new id. Throws when
  // the write fails.
  async addCaptured(record) {
    if (this.database === null) {
      const id = this.nextMemoryId;
      this.nextMemoryId += 1;
      this.memoryCaptured.push({ ...record, id });
      return id;
    }
    const transaction = this.database.transaction(CAPTURED, 'readwrite');
    const id = await requestResult(transaction.objectStore(CAPTURED).add(record));
    await transactionDone(transaction);
    this.#tellOtherTabs(CAPTURED_CHANGED);
    return id;
  }

  // Deletes one captured signature by its id. Throws when the write fails.
  async removeCaptured(id) {
    if (this.database === null) {
      this.memoryCaptured = this.memoryCaptured.filter((record) => record.id !== id);
      return;
    }
    const transaction = this.database.transaction(CAPTURED, 'readwrite');
    transaction.objectStore(CAPTURED).delete(id);
    await transactionDone(transaction);
    this.#tellOtherTabs(CAPTURED_CHANGED);
  }

  async clearCaptured() {
    if (this.database === null) {
      this.memoryCaptured = [];
      return;
    }
    const transaction = this.database.transaction(CAPTURED, 'readwrite');
    transaction.objectStore(CAPTURED).clear();
    await transactionDone(transaction);
    this.#tellOtherTabs(CAPTURED_CHANGED);
  }

  // Tells the other tabs of this page what changed: the models unless `what` is
  // CAPTURED_CHANGED.
  #tellOtherTabs(what = 'changed') {
    this.channel?.postMessage(what);
  }

  async #all() {
    const transaction = this.database.transaction(MODELS, 'readonly');
    return requestResult(transaction.objectStore(MODELS).getAll());
  }
}

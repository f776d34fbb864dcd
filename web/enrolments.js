// Enrolment store: the signature embeddings enrolled for each person, saved in localStorage.
//
// The saved value is JSON of the form
//   { "<person>": { "modelId": "<id of the model>", "embeddings": [[<number>, ...], ...] } }
// An embedding is only comparable with embeddings of the same model, so each entry records
// the model that made it.

export const STORAGE_KEY = 'inkprint.enrolments.v1';

export class EnrolmentStore {
  // Map from person name to { modelId, embeddings }. A Map keeps names such as "__proto__"
  // from touching object prototypes.
  #entries = new Map();

  // False when localStorage is unavailable or contains a value that cannot be read. Changes
  // are then kept in memory only, and the saved value is left as it is.
  #saving = true;

  // Text that explains why enrolments are not being saved, or null when they are.
  problem = null;

  // Whether the saved value exists but cannot be read (so that it can be discarded).
  hasUnreadableValue = false;

  // Reads the saved enrolments. On failure the store falls back to memory and sets `problem`.
  load() {
    let raw;
    try {
      raw = window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      this.#stopSaving(
        `This browser does not allow localStorage (${error.message}), so enrolments are kept ` +
          'only until the page is closed.',
      );
      return;
    }

    try {
      this.#entries = raw === null ? new Map() : parseEnrolments(raw);
    } catch (error) {
      this.hasUnreadableValue = true;
      this.#stopSaving(
        `The saved enrolments (localStorage key ${STORAGE_KEY}) cannot be read: ` +
          `${error.message}. They are left unchanged, and new enrolments are kept only until ` +
          'the page is closed. Discard the saved enrolments to start saving again.',
      );
      return;
    }

    this.#saving = true;
    this.problem = null;
    this.hasUnreadableValue = false;
  }

  get(person) {
    return this.#entries.get(person);
  }

  // Appends one embedding (an array of numbers) to the person's enrolment and saves it.
  // Returns the person's number of embeddings.
  add(person, modelId, embedding) {
    this.#update(() => {
      const entry = this.#entries.get(person) ?? { modelId, embeddings: [] };
      if (entry.modelId !== modelId) {
        throw new Error(`the enrolment of "${person}" was made with another model`);
      }
      entry.embeddings.push(embedding);
      this.#entries.set(person, entry);
    });
    return this.#entries.get(person).embeddings.length;
  }

  remove(person) {
    this.#update(() => this.#entries.delete(person));
  }

  // Deletes the unreadable saved value, then saves the enrolments made since the page loaded.
  discardSavedValue() {
    window.localStorage.removeItem(STORAGE_KEY);
    this.#saving = true;
    this.problem = null;
    this.hasUnreadableValue = false;
    this.#save();
  }

  // Applies `change` to the entries and saves them. The saved value is read again first,
  // because another tab of the same site may have changed it since this page read it.
  #update(change) {
    if (this.#saving) {
      this.load();
    }
    change();
    if (this.#saving) {
      this.#save();
    }
  }

  #save() {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(this.#entries)));
    } catch (error) {
      this.#stopSaving(
        `Saving the enrolments failed (${error.message}), so they are kept only until the ` +
          'page is closed.',
      );
    }
  }

  #stopSaving(problem) {
    this.#saving = false;
    this.problem = problem;
  }
}

// Parses and validates the saved JSON text. Throws an Error that names the first invalid part.
export function parseEnrolments(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not valid JSON (${error.message})`);
  }
  if (!isPlainObject(value)) {
    throw new Error('it is not a JSON object of person names');
  }

  const entries = new Map();
  for (const [person, entry] of Object.entries(value)) {
    const where = `the entry for "${person}"`;

    if (!isPlainObject(entry)) {
      throw new Error(`${where} is not an object`);
    }
    if (typeof entry.modelId !== 'string') {
      throw new Error(`${where} has no modelId string`);
    }
    if (!Array.isArray(entry.embeddings)) {
      throw new Error(`${where} has no embeddings array`);
    }

    entry.embeddings.forEach((embedding, index) => {
      const isValid =
        Array.isArray(embedding) &&
        embedding.length > 0 &&
        embedding.length === entry.embeddings[0].length &&
        embedding.every((number) => typeof number === 'number' && Number.isFinite(number));
      if (!isValid) {
        throw new Error(
          `${where} has an invalid embedding at index ${index}: expected a non-empty array ` +
            'of finite numbers as long as the first embedding',
        );
      }
    });

    entries.set(person, { modelId: entry.modelId, embeddings: entry.embeddings });
  }
  return entries;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

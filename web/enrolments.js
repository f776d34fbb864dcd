// Enrolment store: the signature embeddings enrolled for each person, saved in localStorage.
//
// The saved value is JSON of the form
//   { "<person>": { "modelId": "<id of the model>", "embeddings": [[<number>, ...], ...],
//                   "signatures": [[<number or null>, ...], ...] } }
// An embedding is only comparable with embeddings of the same model, so each entry records
// the model that made it. "signatures" keeps each enrolment signature's points in the flat
// format [x, y, t_ms, pressure, stroke_index] per point, with null for a missing pressure,
// so that a verification can be shown next to them. Entries saved before it existed have no
// "signatures", and an enrolment signature without points has null there.
//
// A change is applied in memory at once and written to localStorage when the store can write
// it. The store does not write while localStorage is unavailable or while the saved value, or
// one person's entry in it, cannot be read, because writing would overwrite that value before
// the user chose to discard it. A write that fails (for example when the quota is used up) is
// tried again at the next change. Until a change is written, it stays in a list of unsaved
// changes. Every read of the saved value applies that list again on top, so a change made in
// another tab never drops enrolments that exist only in this page's memory.

import { countOf, quote } from './text.js';

export const STORAGE_KEY = 'inkprint.enrolments.v1';

export class EnrolmentStore {
  // Map from person name to { modelId, embeddings, signatures }: the readable entries of the saved value
  // as last read. A Map keeps names such as "__proto__" from touching object prototypes.
  #saved = new Map();

  // Changes not yet written to localStorage, oldest first: { person, modelId, embedding, points }
  // adds an embedding and its signature's points (an array of numbers and nulls, or null), and
  // { person, remove: true } deletes the person's enrolment.
  #unsaved = [];

  // The entries the page uses: #saved with #unsaved applied.
  #entries = new Map();

  // Unsaved additions that #entries leaves out, because the saved entry of their person was
  // made with another model. They stay in #unsaved until the person's enrolment is removed.
  #conflicts = [];

  // Message of the error that localStorage threw on reading, or null.
  #storageError = null;

  // Why the whole saved value cannot be read, or null.
  #valueError = null;

  // Map from person name to the reason why that person's saved entry cannot be read.
  #entryErrors = new Map();

  // Message of the error of the last failed write, or null.
  #writeError = null;

  // Reads the saved enrolments and applies the unsaved changes on top. A value or entry that
  // cannot be read is recorded in `problem`, and the value is left as it is.
  load() {
    let raw;
    try {
      raw = window.localStorage.getItem(STORAGE_KEY);
      this.#storageError = null;
    } catch (error) {
      // The entries read before, if any, stay in use.
      this.#storageError = error.message;
      this.#applyUnsaved();
      return;
    }

    this.#saved = new Map();
    this.#valueError = null;
    this.#entryErrors = new Map();
    if (raw !== null) {
      try {
        const { entries, errors } = parseEnrolments(raw);
        this.#saved = entries;
        this.#entryErrors = errors;
      } catch (error) {
        this.#valueError = error.message;
      }
    }
    this.#applyUnsaved();
  }

  // Reads the saved enrolments again after another tab changed them, then writes the unsaved
  // changes if the store can write now.
  synchronize() {
    this.load();
    if (this.#unsaved.length > this.#conflicts.length) {
      this.#save();
    }
  }

  get(person) {
    return this.#entries.get(person);
  }

  // Text that explains why some enrolments are not saved or cannot be read, or null when
  // every enrolment is saved.
  get problem() {
    const sentences = [];
    if (this.#storageError !== null) {
      sentences.push(
        `This browser does not allow localStorage (${this.#storageError}), so enrolments are ` +
          'kept only until the page is closed.',
      );
    } else if (this.#valueError !== null) {
      sentences.push(
        `The saved enrolments (localStorage key ${STORAGE_KEY}) cannot be read: ` +
          `${this.#valueError}. They are left unchanged, and new enrolments are kept only ` +
          'until the page is closed. Discard the saved enrolments to start saving again.',
      );
    } else if (this.#entryErrors.size > 0) {
      for (const [person, reason] of this.#entryErrors) {
        sentences.push(`The saved enrolment of ${quote(person)} cannot be read: ${reason}.`);
      }
      sentences.push(
        `The saved enrolments (localStorage key ${STORAGE_KEY}) are left unchanged, so ` +
          'changes are kept only until the page is closed. Discard the unreadable ' +
          'enrolments to keep the others and start saving again.',
      );
    } else if (this.#writeError !== null && this.#unsaved.length > this.#conflicts.length) {
      sentences.push(
        `Saving the enrolments failed (${this.#writeError}), so the changes since then are ` +
          'kept only until the page is closed. The page tries to save them again at the ' +
          'next change.',
      );
    }

    const conflictCounts = new Map();
    for (const change of this.#conflicts) {
      conflictCounts.set(change.person, (conflictCounts.get(change.person) ?? 0) + 1);
    }
    for (const [person, count] of conflictCounts) {
      const verb = count === 1 ? 'is' : 'are';
      sentences.push(
        `${countOf(count, 'enrolment signature')} of ${quote(person)} made on this page ` +
          `${verb} kept only until the page is closed, because another tab saved an ` +
          `enrolment of ${quote(person)} made with another model.`,
      );
    }
    return sentences.length > 0 ? sentences.join(' ') : null;
  }

  // Whether the saved value, or some person's entry in it, cannot be read.
  get hasUnreadableValue() {
    return this.#storageError === null && (this.#valueError !== null || this.#entryErrors.size > 0);
  }

  // Names of the people whose saved entries cannot be read. It is empty when the whole saved
  // value cannot be read.
  get unreadableNames() {
    return [...this.#entryErrors.keys()];
  }

  // Appends one embedding (an array of numbers) and the points of its signature (flat numbers
  // with null for a missing pressure, or null) to the person's enrolment and saves it.
  // Returns the person's number of embeddings. Throws when the person's enrolment was made
  // with another model.
  add(person, modelId, embedding, points = null) {
    // Read first, because another tab may have changed the saved value since this page read it.
    this.load();
    const entry = this.#entries.get(person);
    if (entry !== undefined && entry.modelId !== modelId) {
      throw new Error(`the enrolment of ${quote(person)} was made with another model`);
    }
    this.#unsaved.push({ person, modelId, embedding, points });
    this.#applyUnsaved();
    this.#save();
    return this.#entries.get(person).embeddings.length;
  }

  remove(person) {
    this.load();
    // Earlier unsaved changes of the person would be undone by this one.
    this.#unsaved = this.#unsaved.filter((change) => change.person !== person);
    this.#unsaved.push({ person, remove: true });
    this.#applyUnsaved();
    this.#save();
  }

  // Deletes what cannot be read in the saved value (the whole value, or the entries of
  // `names`) and saves the readable entries with the unsaved changes. `names` are the
  // unreadableNames that the user agreed to discard. Throws, and changes nothing, when the
  // saved value has changed since then or cannot be written.
  discardUnreadable(names) {
    this.load();
    if (this.#storageError !== null) {
      throw new Error(`localStorage is not available (${this.#storageError})`);
    }
    const current = this.unreadableNames;
    const isSame =
      current.length === names.length && current.every((person) => names.includes(person));
    if (!isSame) {
      throw new Error(
        'another tab changed the saved enrolments after the question was shown, so nothing ' +
          'was deleted. Read the notice again, then press Discard again',
      );
    }

    this.#valueError = null;
    this.#entryErrors = new Map();
    try {
      this.#write();
    } catch (error) {
      this.load();
      throw error;
    }
  }

  // Writes the entries when the store can write, and records a failure in `problem`.
  #save() {
    if (this.#storageError !== null || this.hasUnreadableValue) {
      return;
    }
    try {
      this.#write();
    } catch (error) {
      this.#writeError = error.message;
    }
  }

  // Writes the entries, then keeps as unsaved only the conflicting additions, which the
  // entries leave out. Throws the error of localStorage.setItem.
  #write() {
    const value = JSON.stringify(Object.fromEntries(this.#entries));
    window.localStorage.setItem(STORAGE_KEY, value);
    this.#writeError = null;
    this.#saved = copyEntries(this.#entries);
    this.#unsaved = [...this.#conflicts];
    this.#applyUnsaved();
  }

  // Sets #entries to #saved with the unsaved changes applied, and collects the conflicts.
  #applyUnsaved() {
    this.#entries = copyEntries(this.#saved);
    this.#conflicts = [];
    for (const change of this.#unsaved) {
      if (change.remove) {
        this.#entries.delete(change.person);
        continue;
      }
      const entry = this.#entries.get(change.person);
      if (entry === undefined) {
        this.#entries.set(change.person, {
          modelId: change.modelId,
          embeddings: [change.embedding],
          signatures: [change.points ?? null],
        });
      } else if (entry.modelId === change.modelId) {
        entry.embeddings.push(change.embedding);
        entry.signatures.push(change.points ?? null);
      } else {
        this.#conflicts.push(change);
      }
    }
  }
}

// Returns a copy of entries whose embedding lists can change without changing the original.
// The embeddings themselves are shared, because the store never changes one.
function copyEntries(entries) {
  const copy = new Map();
  for (const [person, entry] of entries) {
    copy.set(person, {
      modelId: entry.modelId,
      embeddings: [...entry.embeddings],
      signatures: [...entry.signatures],
    });
  }
  return copy;
}

// Parses and validates the saved JSON text. Returns { entries, errors }: a Map from person
// name to { modelId, embeddings, signatures } for the valid entries, and a Map from person name to the
// reason why the entry is invalid. Throws an Error when the text is not a JSON object.
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
  const errors = new Map();
  for (const [person, entry] of Object.entries(value)) {
    const reason = findEntryError(entry);
    if (reason === null) {
      // Entries saved without signatures get null for each.
      const signatures = entry.signatures ?? entry.embeddings.map(() => null);
      entries.set(person, { modelId: entry.modelId, embeddings: entry.embeddings, signatures });
    } else {
      errors.set(person, reason);
    }
  }
  return { entries, errors };
}

// Returns why a saved entry is invalid, or null when it is valid.
function findEntryError(entry) {
  if (!isPlainObject(entry)) {
    return 'it is not an object';
  }
  if (typeof entry.modelId !== 'string') {
    return 'it has no modelId string';
  }
  if (!Array.isArray(entry.embeddings)) {
    return 'it has no embeddings array';
  }
  const invalidIndex = entry.embeddings.findIndex(
    (embedding) =>
      !Array.isArray(embedding) ||
      embedding.length === 0 ||
      embedding.length !== entry.embeddings[0].length ||
      !embedding.every((number) => typeof number === 'number' && Number.isFinite(number)),
  );
  if (invalidIndex >= 0) {
    return (
      `it has an invalid embedding at index ${invalidIndex}: expected a non-empty array of ` +
      'finite numbers as long as the first embedding'
    );
  }
  if (entry.signatures === undefined) {
    return null;
  }
  if (!Array.isArray(entry.signatures) || entry.signatures.length !== entry.embeddings.length) {
    return 'its signatures are not an array with one item per embedding';
  }
  const invalidSignature = entry.signatures.findIndex(
    (points) =>
      points !== null &&
      (!Array.isArray(points) ||
        points.length % POINT_STRIDE !== 0 ||
        !points.every((number, index) => isPointValue(number, index))),
  );
  if (invalidSignature >= 0) {
    return (
      `it has an invalid signature at index ${invalidSignature}: expected null or ` +
      `${POINT_STRIDE} numbers per point, with null only for a missing pressure`
    );
  }
  return null;
}

// Values per point in a saved signature: x, y, t_ms, pressure, stroke index.
const POINT_STRIDE = 5;
const PRESSURE_INDEX = 3;

function isPointValue(number, index) {
  if (number === null) {
    return index % POINT_STRIDE === PRESSURE_INDEX;
  }
  return typeof number === 'number' && Number.isFinite(number);
}

// Converts a signature's points from the module's Float64Array (NaN for a missing pressure)
// to the array saved in JSON, and back.
export function pointsToSaved(points) {
  return Array.from(points, (value) => (Number.isNaN(value) ? null : value));
}

export function pointsFromSaved(saved) {
  return Float64Array.from(saved, (value) => (value === null ? NaN : value));
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Enrolment store: each person's enrolment signatures, kept in this browser's IndexedDB
// (database "inkprint-enrolments", object store "people", one record per person):
//   { person, modelId, embeddings: [[<number>, ...], ...], signatures: [[<number or null>, ...] or null, ...] }
// An embedding is only comparable with embeddings of the same model, so each record names the
// model that made it. "signatures" keeps each enrolment signature's points in the flat format
// [x, y, t_ms, pressure, stroke_index] per point, with null for a missing pressure, so that a
// verification can be shown next to them. Enrolments made by an earlier version of the page
// have null there.
//
// Each change reads the person's record, computes the new one, and writes it in a transaction
// that first checks that the record is still the one read, starting again otherwise. So two
// tabs enrolling at once both keep their signature. A change shows on the page only after its
// transaction has committed, and a failed write (for example when the storage quota is used
// up) changes nothing and throws. After each change the store notifies the other tabs through a
// BroadcastChannel, and they read the records again.
//
// A record that cannot be read is never overwritten: the store reports it in `problem` and
// deletes it only when the user agrees (discardUnreadable). Earlier versions of the page kept
// enrolments in localStorage under LEGACY_STORAGE_KEY. open() moves the readable ones into
// IndexedDB and removes the key once everything in it is moved. What cannot be read stays
// under the key until the user discards it. When IndexedDB cannot be opened, enrolments are
// kept in memory until the page closes, and `problem` describes why.
//
// The user can protect the enrolments with a passphrase (see passphrase.js). The object store
// "settings" then contains the protection record, and each person's record is
//   { person: "sealed:<HMAC of the name>", sealed: { iv, data } }
// with the plain record encrypted in `data`. Until the passphrase is given again the store is
// locked: it shows no protected enrolment and refuses changes. Encryption cannot run inside an
// IndexedDB transaction, which is why a change checks the record again instead of holding one
// transaction open.

import { errorText, isDatabaseClosed, openDatabase, requestResult, transactionDone } from './idb.js';
import {
  createProtection,
  findProtectionError,
  opaqueName,
  seal,
  unlockProtection,
  unseal,
} from './passphrase.js';
import { quote } from './text.js';

export const DATABASE_NAME = 'inkprint-enrolments';
const DATABASE_VERSION = 2;
export const PEOPLE_STORE = 'people';
const SETTINGS_STORE = 'settings';
const PROTECTION_KEY = 'protection';

// Attempts of a change whose record another tab keeps changing in between.
const CHANGE_ATTEMPTS = 5;
export const LEGACY_STORAGE_KEY = 'inkprint.enrolments.v1';
const CHANNEL_NAME = 'inkprint-enrolments';

export class EnrolmentStore {
  // The open database, or null when IndexedDB is unavailable.
  #database = null;

  // Map from person name to { modelId, embeddings, signatures }: the readable records. A Map
  // keeps names such as "__proto__" from touching object prototypes.
  #entries = new Map();

  // Map from person name to the reason why that person's record cannot be read. A protected
  // record that cannot be decrypted is listed under its opaque key.
  #entryErrors = new Map();

  // Map from the names in #entryErrors to the keys of their records.
  #errorKeys = new Map();

  // The stored protection record, or null when the enrolments are not protected.
  #protection = null;

  // Why the stored protection record cannot be used, or null.
  #protectionError = null;

  // The keys of the passphrase while the protected enrolments are unlocked, else null.
  #keys = null;

  // The salt that #keys were derived with, to notice another tab protecting anew.
  #keysSalt = null;

  // Protected records that stay hidden while the store is locked.
  #lockedCount = 0;

  // Why IndexedDB could not be opened, or null.
  #databaseError = null;

  // Whether the database could not be opened because a newer version of the page saved it.
  #databaseNewer = false;

  // Why the localStorage value of an earlier version cannot be read as a whole, or null.
  #legacyValueError = null;

  // Map from person name to the reason why that person's localStorage entry cannot be read.
  #legacyEntryErrors = new Map();

  // Why moving the localStorage enrolments into IndexedDB failed, or null.
  #legacyMoveError = null;

  #channel = null;

  // `onExternalChange` is called after the records were read again because another tab
  // changed them.
  constructor({ onExternalChange = () => {} } = {}) {
    this.onExternalChange = onExternalChange;
  }

  // Opens the database, moves the enrolments of an earlier version out of localStorage and
  // reads every record. Never throws: what goes wrong is reported in `problem`.
  async open() {
    try {
      this.#database = await openDatabase(DATABASE_NAME, DATABASE_VERSION, (database) => {
        if (!database.objectStoreNames.contains(PEOPLE_STORE)) {
          database.createObjectStore(PEOPLE_STORE, { keyPath: 'person' });
        }
        if (!database.objectStoreNames.contains(SETTINGS_STORE)) {
          database.createObjectStore(SETTINGS_STORE);
        }
      });
    } catch (error) {
      this.#database = null;
      this.#databaseError = errorText(error);
      this.#databaseNewer = error?.newerVersion === true;
    }
    await this.#moveLegacyEnrolments();
    await this.reload();
    if (typeof BroadcastChannel === 'function' && this.#database !== null) {
      this.#channel = new BroadcastChannel(CHANNEL_NAME);
      this.#channel.onmessage = async () => {
        await this.reload();
        this.onExternalChange();
      };
    }
  }

  // Reads every record again, decrypting the protected ones when unlocked. Keeps the entries
  // read before when the read fails, and when the browser has closed the database, which the
  // page reports on its own.
  async reload() {
    if (this.#database === null || isDatabaseClosed(DATABASE_NAME)) {
      return;
    }
    let records;
    let protection;
    try {
      const transaction = this.#database.transaction([PEOPLE_STORE, SETTINGS_STORE], 'readonly');
      const settings = transaction.objectStore(SETTINGS_STORE);
      [records, protection] = await Promise.all([
        requestResult(transaction.objectStore(PEOPLE_STORE).getAll()),
        requestResult(settings.get(PROTECTION_KEY)),
      ]);
    } catch (error) {
      console.error('Reading the enrolments failed:', error);
      return;
    }
    this.#setProtection(protection);

    const entries = new Map();
    const errors = new Map();
    const errorKeys = new Map();
    let lockedCount = 0;
    for (const record of records) {
      const key = typeof record?.person === 'string' ? record.person : String(record?.person);
      if (!isSealed(record)) {
        const reason = findEntryError(record);
        if (reason === null) {
          entries.set(key, normaliseEntry(record));
        } else {
          errors.set(key, reason);
          errorKeys.set(key, key);
        }
        continue;
      }
      if (this.#keys === null) {
        lockedCount += 1;
        continue;
      }
      const opened = await this.#openSealed(record);
      if (opened.error === null) {
        entries.set(opened.record.person, normaliseEntry(opened.record));
      } else {
        errors.set(opened.name ?? key, opened.error);
        errorKeys.set(opened.name ?? key, key);
      }
    }
    this.#entries = entries;
    this.#entryErrors = errors;
    this.#errorKeys = errorKeys;
    this.#lockedCount = lockedCount;
  }

  // Whether the enrolments are protected with a passphrase.
  get isProtected() {
    return this.#protection !== null;
  }

  // Whether the enrolments are protected and the passphrase has not been given.
  get isLocked() {
    return this.#protection !== null && this.#keys === null;
  }

  // Protects the enrolments with a new passphrase: every readable record is encrypted in place.
  // Throws, and changes nothing, when they are protected already, locked, or cannot be written.
  async protect(passphrase) {
    this.#requireDatabase('protect the enrolments');
    if (this.#protection !== null) {
      throw new Error('the enrolments are protected already: remove the protection first to change the passphrase');
    }
    if (typeof passphrase !== 'string' || passphrase.length === 0) {
      throw new Error('the passphrase is empty: type one of at least 8 characters');
    }
    // Counted in characters, not in UTF-16 units, so that four emoji do not count as eight.
    const characters = [...passphrase].length;
    if (characters < 8) {
      throw new Error(
        `the passphrase has ${characters} character${characters === 1 ? '' : 's'}, fewer than 8: choose a longer one`,
      );
    }
    if (passphrase.trim() === '') {
      throw new Error('the passphrase is only spaces: choose one with letters, digits or signs');
    }
    const { protection, keys } = await createProtection(passphrase);
    await this.#rewriteAll(keys, protection);
    this.#keys = keys;
    this.#keysSalt = protection.salt;
    await this.reload();
    this.#channel?.postMessage('changed');
  }

  // Unlocks the protected enrolments. Throws on a wrong passphrase. Enrolments that another
  // tab saved unprotected meanwhile are encrypted too.
  async unlock(passphrase) {
    this.#requireDatabase('unlock the enrolments');
    await this.reload();
    if (this.#protection === null) {
      throw new Error('the enrolments are not protected, so there is nothing to unlock');
    }
    if (typeof passphrase !== 'string' || passphrase.length === 0) {
      throw new Error('the passphrase is empty: type the passphrase the enrolments were protected with');
    }
    const keys = await unlockProtection(passphrase, this.#protection);
    if (keys === null) {
      throw new Error('the passphrase is wrong: the enrolments stay locked');
    }
    this.#keys = keys;
    this.#keysSalt = this.#protection.salt;
    await this.#rewriteAll(keys, this.#protection);
    await this.reload();
  }

  // Forgets the keys, so that the protected enrolments are hidden again until unlocked.
  async lock() {
    this.#keys = null;
    this.#keysSalt = null;
    await this.reload();
  }

  // Decrypts every protected record in place and deletes the protection. Throws, and changes
  // nothing, when the store is locked or the records cannot be written.
  async removeProtection() {
    this.#requireDatabase('remove the protection');
    if (this.isLocked) {
      throw new Error('the enrolments are locked: unlock them with the passphrase first');
    }
    await this.#rewriteAll(null, null);
    this.#keys = null;
    this.#keysSalt = null;
    await this.reload();
    this.#channel?.postMessage('changed');
  }

  get(person) {
    return this.#entries.get(person);
  }

  // Names of the readable enrolments whose model id is one of `modelIds`. Locked enrolments are
  // not readable, so they are not counted.
  peopleEnrolledWith(modelIds) {
    const ids = new Set(modelIds);
    return [...this.#entries].filter(([, entry]) => ids.has(entry.modelId)).map(([person]) => person);
  }

  // Text that explains why enrolments are not saved or cannot be read, or null when every
  // enrolment is saved and readable.
  get problem() {
    const sentences = [];
    if (this.#protectionError !== null) {
      sentences.push(
        `The passphrase protection record cannot be read (${this.#protectionError}), so the ` +
          'protected enrolments cannot be unlocked.',
      );
    }
    if (this.isLocked && this.#lockedCount > 0) {
      const count = this.#lockedCount === 1 ? '1 person' : `${this.#lockedCount} people`;
      sentences.push(
        `The enrolments of ${count} are protected by a passphrase: unlock them to enrol or verify.`,
      );
    }
    if (this.#databaseError !== null && this.#databaseNewer) {
      sentences.push(
        `The saved enrolments cannot be opened: ${this.#databaseError}. Until then, new ` +
          'enrolments are kept only until the page is closed.',
      );
    } else if (this.#databaseError !== null) {
      sentences.push(
        `This browser does not allow IndexedDB (${this.#databaseError}), so enrolments are ` +
          'kept only until the page is closed.',
      );
    }
    for (const [person, reason] of this.#entryErrors) {
      sentences.push(`The saved enrolment of ${quote(person)} cannot be read: ${reason}.`);
    }
    if (this.#entryErrors.size > 0) {
      sentences.push(
        'It is left unchanged, and that name cannot enrol until it is discarded. Discard the ' +
          'unreadable enrolments to keep the others.',
      );
    }
    if (this.#legacyValueError !== null) {
      sentences.push(
        `The enrolments saved by an earlier version of this page (localStorage key ` +
          `${LEGACY_STORAGE_KEY}) cannot be read: ${this.#legacyValueError}. They are left ` +
          'unchanged until you discard them.',
      );
    }
    for (const [person, reason] of this.#legacyEntryErrors) {
      sentences.push(
        `The enrolment of ${quote(person)} saved by an earlier version of this page cannot be ` +
          `read: ${reason}. It is left in localStorage (key ${LEGACY_STORAGE_KEY}) until you ` +
          'discard it.',
      );
    }
    if (this.#legacyMoveError !== null) {
      sentences.push(
        `Moving the enrolments of an earlier version of this page out of localStorage failed ` +
          `(${this.#legacyMoveError}). They are left there, and the page tries again when it ` +
          'is next opened.',
      );
    }
    return sentences.length > 0 ? sentences.join(' ') : null;
  }

  // Whether some record, or the localStorage value of an earlier version, cannot be read.
  get hasUnreadableValue() {
    return (
      this.#entryErrors.size > 0 ||
      this.#legacyValueError !== null ||
      this.#legacyEntryErrors.size > 0
    );
  }

  // Whether the localStorage value of an earlier version cannot be read as a whole, so that
  // discardUnreadable() deletes it whatever names it is given.
  get hasUnreadableLegacyValue() {
    return this.#legacyValueError !== null;
  }

  // Names of the people whose records or localStorage entries cannot be read. It is empty when
  // only the localStorage value as a whole cannot be read.
  get unreadableNames() {
    return [...new Set([...this.#entryErrors.keys(), ...this.#legacyEntryErrors.keys()])];
  }

  // Appends one embedding (an array of numbers) and the points of its signature (flat numbers
  // with null for a missing pressure, or null) to the person's enrolment and saves it.
  // Returns the person's number of embeddings. Throws, and changes nothing, when the person's
  // enrolment was made with another model, cannot be read, already has `limit` embeddings, or
  // cannot be written.
  async add(person, modelId, embedding, points = null, limit = Infinity) {
    // Checked before anything is written: a stored invalid embedding would make the whole
    // enrolment unreadable.
    const invalid = embedding.findIndex((number) => typeof number !== 'number' || !Number.isFinite(number));
    if (embedding.length === 0 || invalid >= 0) {
      const detail =
        invalid >= 0 ? `value ${invalid + 1} of ${embedding.length} is ${embedding[invalid]}` : 'it is empty';
      throw new Error(
        `the model produced an invalid embedding (${detail}), so nothing was saved. The model ` +
          'is damaged: choose another one under Models',
      );
    }
    if (this.#entryErrors.has(person)) {
      throw new Error(
        `the saved enrolment of ${quote(person)} cannot be read: discard it first, or use ` +
          'another name',
      );
    }
    const update = (record) => {
      if (record !== undefined && findEntryError(record) !== null) {
        throw new Error(
          `the saved enrolment of ${quote(person)} cannot be read: ${findEntryError(record)}`,
        );
      }
      if (record !== undefined && record.modelId !== modelId) {
        throw new Error(`the enrolment of ${quote(person)} was made with another model`);
      }
      const entry = record === undefined ? { modelId, embeddings: [], signatures: [] } : normaliseEntry(record);
      // Checked here too, inside the write, because another tab may have enrolled meanwhile.
      if (entry.embeddings.length >= limit) {
        throw new Error(`${quote(person)} has ${entry.embeddings.length} enrolment signatures already, the most the page keeps`);
      }
      return {
        person,
        modelId,
        embeddings: [...entry.embeddings, embedding],
        signatures: [...entry.signatures, points],
      };
    };
    const saved = await this.#change(person, update);
    return saved.embeddings.length;
  }

  // Deletes the person's enrolment. Throws, and changes nothing, when the deletion cannot be
  // written.
  async remove(person) {
    await this.#change(person, () => null);
  }

  // Deletes what cannot be read: the records and localStorage entries of `names`, which are
  // the unreadableNames that the user agreed to discard, and the localStorage value of an
  // earlier version when it cannot be read as a whole. The readable localStorage entries have
  // been moved into IndexedDB by then. Throws when a deletion fails.
  async discardUnreadable(names) {
    for (const person of names) {
      const key = this.#errorKeys.get(person);
      if (key !== undefined) {
        await this.#discardRecord(person, key);
      }
    }
    const legacyDiscarded =
      this.#legacyValueError !== null ||
      [...this.#legacyEntryErrors.keys()].every((person) => names.includes(person));
    if (legacyDiscarded && (this.#legacyValueError !== null || this.#legacyEntryErrors.size > 0)) {
      window.localStorage.removeItem(LEGACY_STORAGE_KEY);
      this.#legacyValueError = null;
      this.#legacyEntryErrors = new Map();
    }
  }

  // Runs update(record) on the person's plain record (undefined when there is none) and
  // writes what it returns: a record, or null to delete it. The write happens only if the
  // stored record is still the one that was read, else the change starts again. Throws what
  // update throws, or the error of the write, and then changes nothing.
  async #change(person, update) {
    if (this.#database === null) {
      const current = this.#entries.get(person);
      const record = update(current === undefined ? undefined : { person, ...current });
      if (record === null) {
        this.#entries.delete(person);
      } else {
        this.#entries.set(person, normaliseEntry(record));
      }
      return record;
    }
    if (this.isLocked) {
      throw new Error('the enrolments are locked: unlock them with the passphrase first');
    }

    const keys = this.#keys;
    const sealedKey = keys === null ? null : await opaqueName(keys, person);
    const storedKeys = sealedKey === null ? [person] : [sealedKey, person];
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const before = await this.#readRecords(storedKeys);
      let current = before.find((record) => record !== undefined);
      if (isSealed(current)) {
        const opened = await this.#openSealed(current);
        if (opened.error !== null) {
          throw new Error(`the saved enrolment of ${quote(person)} cannot be read: ${opened.error}`);
        }
        current = opened.record;
      }
      const record = update(current);
      const stored = record === null || keys === null ? record : { person: sealedKey, sealed: await seal(keys, record) };

      const transaction = this.#database.transaction(PEOPLE_STORE, 'readwrite');
      const people = transaction.objectStore(PEOPLE_STORE);
      const now = await Promise.all(storedKeys.map((key) => requestResult(people.get(key))));
      if (!now.every((value, index) => sameRecord(value, before[index]))) {
        transaction.abort();
        continue;
      }
      try {
        for (const key of storedKeys) {
          people.delete(key);
        }
        if (stored !== null) {
          people.put(stored);
        }
      } catch (error) {
        transaction.abort();
        throw new Error(`saving failed (${errorText(error)})`);
      }
      try {
        await transactionDone(transaction);
      } catch (error) {
        throw new Error(`saving failed (${errorText(error)})`);
      } finally {
        await this.reload();
      }
      this.#channel?.postMessage('changed');
      return record;
    }
    throw new Error(
      `the enrolment of ${quote(person)} kept changing in another tab, so this change was not ` +
        'saved: try again',
    );
  }

  // Deletes the record under `key` if it still cannot be read. Throws when another tab has
  // replaced it with a readable one since.
  async #discardRecord(person, key) {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const [before] = await this.#readRecords([key]);
      if (before === undefined) {
        return;
      }
      const readable = isSealed(before)
        ? this.#keys !== null && (await this.#openSealed(before)).error === null
        : findEntryError(before) === null;
      if (readable) {
        throw new Error(
          `another tab replaced the enrolment of ${quote(person)} after the question was ` +
            'shown, so it was not deleted. Read the notice again',
        );
      }
      const transaction = this.#database.transaction(PEOPLE_STORE, 'readwrite');
      const people = transaction.objectStore(PEOPLE_STORE);
      if (!sameRecord(await requestResult(people.get(key)), before)) {
        transaction.abort();
        continue;
      }
      people.delete(key);
      try {
        await transactionDone(transaction);
      } catch (error) {
        throw new Error(`deleting failed (${errorText(error)})`);
      } finally {
        await this.reload();
      }
      this.#channel?.postMessage('changed');
      return;
    }
    throw new Error(`the enrolment of ${quote(person)} kept changing in another tab: try again`);
  }

  // Returns the stored records under `keys`, undefined where there is none.
  async #readRecords(keys) {
    const transaction = this.#database.transaction(PEOPLE_STORE, 'readonly');
    const people = transaction.objectStore(PEOPLE_STORE);
    return Promise.all(keys.map((key) => requestResult(people.get(key))));
  }

  // Decrypts a protected record. Returns { record, name, error }: the plain record and its
  // person's name, or the reason why it cannot be read.
  async #openSealed(stored) {
    let record;
    try {
      record = await unseal(this.#keys, stored.sealed);
    } catch {
      return { record: null, name: null, error: 'it cannot be decrypted with this passphrase' };
    }
    const reason = findEntryError(record);
    if (reason !== null || typeof record.person !== 'string') {
      return { record: null, name: null, error: reason ?? 'it has no name' };
    }
    if ((await opaqueName(this.#keys, record.person)) !== stored.person) {
      return { record: null, name: record.person, error: 'it is stored under another name' };
    }
    return { record, name: record.person, error: null };
  }

  // Rewrites every readable record for `keys`: encrypted under its opaque key with keys, or
  // plain with null. Writes `protection` (or deletes it when null) in the same transaction,
  // which runs only if no record changed since it was read. Unreadable records stay as they are.
  async #rewriteAll(keys, protection) {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const before = await this.#readAllRecords();
      const replacements = [];
      for (const stored of before) {
        let plain = stored;
        if (isSealed(stored)) {
          if (this.#keys === null) {
            continue;
          }
          const opened = await this.#openSealed(stored);
          if (opened.error !== null) {
            continue;
          }
          plain = opened.record;
        } else if (findEntryError(stored) !== null) {
          continue;
        }
        const next =
          keys === null
            ? plain
            : { person: await opaqueName(keys, plain.person), sealed: await seal(keys, plain) };
        if (next !== stored) {
          replacements.push({ oldKey: stored.person, next });
        }
      }

      const transaction = this.#database.transaction([PEOPLE_STORE, SETTINGS_STORE], 'readwrite');
      const people = transaction.objectStore(PEOPLE_STORE);
      const now = await requestResult(people.getAll());
      const unchanged =
        now.length === before.length && now.every((value, index) => sameRecord(value, before[index]));
      if (!unchanged) {
        transaction.abort();
        continue;
      }
      try {
        for (const { oldKey, next } of replacements) {
          people.delete(oldKey);
          people.put(next);
        }
        const settings = transaction.objectStore(SETTINGS_STORE);
        if (protection === null) {
          settings.delete(PROTECTION_KEY);
        } else {
          settings.put(protection, PROTECTION_KEY);
        }
        await transactionDone(transaction);
      } catch (error) {
        transaction.abort?.();
        throw new Error(`saving failed (${errorText(error)})`);
      }
      return;
    }
    throw new Error('the enrolments kept changing in another tab, so nothing was changed: try again');
  }

  async #readAllRecords() {
    const transaction = this.#database.transaction(PEOPLE_STORE, 'readonly');
    return requestResult(transaction.objectStore(PEOPLE_STORE).getAll());
  }

  // Records the stored protection, and forgets keys derived for an earlier one.
  #setProtection(protection) {
    if (protection === undefined || protection === null) {
      this.#protection = null;
      this.#protectionError = null;
      this.#keys = null;
      this.#keysSalt = null;
      return;
    }
    const reason = findProtectionError(protection);
    this.#protectionError = reason;
    this.#protection = reason === null ? protection : null;
    if (reason !== null || !sameBytes(this.#keysSalt, protection.salt)) {
      this.#keys = null;
      this.#keysSalt = null;
    }
  }

  #requireDatabase(action) {
    if (this.#database === null) {
      throw new Error(`cannot ${action} without IndexedDB, because nothing is stored`);
    }
  }

  // Moves the readable enrolments saved in localStorage by an earlier version of the page into
  // IndexedDB, leaving people who already have a record alone. Removes the localStorage value
  // when every entry in it was moved.
  async #moveLegacyEnrolments() {
    let raw;
    try {
      raw = window.localStorage.getItem(LEGACY_STORAGE_KEY);
    } catch {
      return;
    }
    if (raw === null) {
      return;
    }
    let parsed;
    try {
      parsed = parseEnrolments(raw);
    } catch (error) {
      this.#legacyValueError = error.message;
      return;
    }
    this.#legacyEntryErrors = parsed.errors;
    if (this.#database === null) {
      // Without IndexedDB the readable entries are used from memory and the value stays.
      for (const [person, entry] of parsed.entries) {
        this.#entries.set(person, entry);
      }
      return;
    }
    try {
      const transaction = this.#database.transaction(PEOPLE_STORE, 'readwrite');
      const people = transaction.objectStore(PEOPLE_STORE);
      for (const [person, entry] of parsed.entries) {
        const existing = await requestResult(people.getKey(person));
        if (existing === undefined) {
          people.put({ person, ...entry });
        }
      }
      await transactionDone(transaction);
    } catch (error) {
      this.#legacyMoveError = errorText(error);
      return;
    }
    if (parsed.errors.size === 0) {
      try {
        window.localStorage.removeItem(LEGACY_STORAGE_KEY);
      } catch (error) {
        // The entries are in IndexedDB now, and a later visit does not move them twice.
        console.error('Removing the moved enrolments from localStorage failed:', error);
      }
    }
  }
}

function isSealed(record) {
  return typeof record === 'object' && record !== null && 'sealed' in record;
}

function sameBytes(a, b) {
  return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// Whether two stored records are the same: the same encryption (each is sealed with a fresh
// IV) or the same plain content.
function sameRecord(a, b) {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  if (isSealed(a) || isSealed(b)) {
    return isSealed(a) && isSealed(b) && a.person === b.person && sameBytes(a.sealed?.iv, b.sealed?.iv);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

// Returns an entry with a signatures list as long as its embeddings list: records saved
// before signatures were kept get null for each.
function normaliseEntry(record) {
  return {
    modelId: record.modelId,
    embeddings: record.embeddings,
    signatures: record.signatures ?? record.embeddings.map(() => null),
  };
}

// Parses and validates the JSON text that earlier versions saved in localStorage. Returns { entries, errors }: a Map from person
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
      entries.set(person, normaliseEntry(entry));
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

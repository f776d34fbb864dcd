// Promise wrappers of the IndexedDB calls that the page's stores use, and a marker of pending
// writes.

// Resolves with a request's result, or rejects with its error.
export function requestResult(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Resolves when a transaction has committed, and rejects when it fails or is aborted. A write
// is on disk only after this resolves.
export function transactionDone(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () =>
      reject(transaction.error ?? new Error('the IndexedDB transaction was aborted'));
    transaction.onerror = () => reject(transaction.error);
  });
}

// Returns whileSaving(change): it runs `change` (a function returning a promise) and resolves
// with its result, with `element` carrying data-saving until every change started so has ended.
export function savingMarker(element) {
  let pending = 0;
  return async function whileSaving(change) {
    pending += 1;
    element.dataset.saving = 'true';
    try {
      return await change();
    } finally {
      pending -= 1;
      if (pending === 0) {
        delete element.dataset.saving;
      }
    }
  };
}

// Callbacks run with a database's name when the browser closes it on its own, for example when
// the user clears the site's data while the page is open.
const closedListeners = [];

// Names of the databases that the browser closed on its own.
const closedNames = new Set();

export function onDatabaseClosed(callback) {
  closedListeners.push(callback);
}

// Returns whether the browser closed the database `name` on its own, after which every write
// to it fails until the page is reloaded.
export function isDatabaseClosed(name) {
  return closedNames.has(name);
}

// Opens a database, calling upgrade(database) when it is new or older than `version`. Rejects
// when IndexedDB is missing or refuses, for example in some private windows, and with an error
// whose `newerVersion` is true when the stored database is newer than `version`.
export function openDatabase(name, version, upgrade) {
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = indexedDB.open(name, version);
    } catch (error) {
      reject(error);
      return;
    }
    request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => {
      const database = request.result;
      database.onclose = () => {
        closedNames.add(name);
        for (const listener of closedListeners) {
          listener(name);
        }
      };
      resolve(database);
    };
    request.onerror = () => {
      const error = request.error;
      if (error?.name === 'VersionError') {
        // The stored database has a higher version than this page supports. That happens when
        // a newer version of the page ran in this browser and then an older copy was loaded.
        const newer = new Error(
          `the database "${name}" was saved by a newer version of this page, which stores it in ` +
            `a format this one cannot read (it reads version ${version}). Open the page from ` +
            'where that newer version is served; the stored data is left unchanged',
        );
        newer.newerVersion = true;
        reject(newer);
        return;
      }
      reject(error);
    };
    request.onblocked = () =>
      reject(
        new Error(
          `opening the database "${name}" is blocked because another tab has an older version ` +
            'of it open: close that tab, then reload this page',
        ),
      );
  });
}

// IndexedDB throws DOMExceptions, and a browser extension may throw any value.
export { describeError as errorText } from './text.js';

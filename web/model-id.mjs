// Ids of model files and of their networks, under which the page stores enrolments. The page
// and scripts/record-default-model.mjs compute them alike.

// Returns the SHA-256 id of `bytes` (a Uint8Array), as 'sha256:' and 64 hex digits.
export async function sha256Id(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return 'sha256:' + Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// Returns the 32-bit FNV-1a id of `bytes` with their length: enough to tell models apart, but
// not a cryptographic hash.
export function fnv1aId(bytes) {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return `fnv1a32:${hash.toString(16).padStart(8, '0')}:${bytes.length}`;
}

// Returns an id that changes whenever `bytes` change: sha256Id(), or fnv1aId() where
// crypto.subtle is missing. It exists only in secure contexts (HTTPS or loopback), so a page
// served over plain HTTP elsewhere takes the second.
export async function computeModelId(bytes) {
  return globalThis.crypto?.subtle !== undefined ? sha256Id(bytes) : fnv1aId(bytes);
}

// The prefix of the id of a model's network (Model.networkBytes), which distinguishes it from
// the id of a whole model file.
export const NETWORK_ID_PREFIX = 'network-';

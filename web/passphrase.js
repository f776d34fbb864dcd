// Passphrase protection of stored data with the browser's Web Crypto API. PBKDF2 with SHA-256
// turns a passphrase and a random salt into two keys. An AES-GCM key encrypts each record, and
// an HMAC key turns a person's name into an opaque record key, so the stored data shows
// neither names nor embeddings. The passphrase itself is never stored. A known text encrypted
// with the key (the "check") tells a wrong passphrase from a right one.

// PBKDF2 rounds. Deriving the keys took 93 ms in headless Chromium on the 2-core Xeon of
// docs/benchmarks.md, under load. NOTE: a phone may take several times longer.
export const PBKDF2_ITERATIONS = 310_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const CHECK_TEXT = 'Inkprint enrolments';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Returns the keys of a passphrase: { encryption, naming }. `protection` is the stored
// { salt, iterations } of the data.
async function deriveKeys(passphrase, { salt, iterations }) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(passphrase), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, 512),
  );
  const encryption = await crypto.subtle.importKey('raw', bits.slice(0, 32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  const naming = await crypto.subtle.importKey(
    'raw',
    bits.slice(32),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return { encryption, naming };
}

// Encrypts a JSON-serialisable value. Returns { iv, data } with Uint8Arrays.
export async function seal(keys, value) {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, keys.encryption, encoder.encode(JSON.stringify(value))),
  );
  return { iv, data };
}

// Decrypts what seal() returned. Throws when the key is wrong or the data was changed.
export async function unseal(keys, sealed) {
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, keys.encryption, sealed.data);
  return JSON.parse(decoder.decode(plain));
}

// Returns the opaque record key of a name: "sealed:" and the base64url of its HMAC.
export async function opaqueName(keys, name) {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', keys.naming, encoder.encode(name)));
  let text = '';
  for (const byte of mac) {
    text += String.fromCharCode(byte);
  }
  return `sealed:${btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

// Creates the protection of a new passphrase. Returns { protection, keys }: `protection` is
// stored ({ salt, iterations, check }), and `keys` stay in memory.
export async function createProtection(passphrase) {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const keys = await deriveKeys(passphrase, { salt, iterations: PBKDF2_ITERATIONS });
  const check = await seal(keys, CHECK_TEXT);
  return { protection: { salt, iterations: PBKDF2_ITERATIONS, check }, keys };
}

// Returns the keys of `passphrase` for the stored protection, or null when it is the wrong
// passphrase.
export async function unlockProtection(passphrase, protection) {
  const keys = await deriveKeys(passphrase, protection);
  try {
    return (await unseal(keys, protection.check)) === CHECK_TEXT ? keys : null;
  } catch {
    return null;
  }
}

// Returns why a stored protection record cannot be used, or null when it can.
export function findProtectionError(protection) {
  const isBytes = (value, length) => value instanceof Uint8Array && (length === undefined || value.length === length);
  if (typeof protection !== 'object' || protection === null) {
    return 'it is not an object';
  }
  if (!isBytes(protection.salt, SALT_BYTES)) {
    return `its salt is not ${SALT_BYTES} bytes`;
  }
  if (!Number.isInteger(protection.iterations) || protection.iterations < 1) {
    return 'its iteration count is not a positive whole number';
  }
  if (!isBytes(protection.check?.iv, IV_BYTES) || !isBytes(protection.check?.data)) {
    return 'its check value is missing';
  }
  return null;
}

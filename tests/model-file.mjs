// Rewrites the description of an Inkprint model file, as a person editing the file by hand
// would, and recomputes its checksum so that only the edit is wrong. The layout is the one of
// core/include/inkprint/model.hpp: header, network shape, scaling, parameters, then the
// description's length and UTF-8 JSON, then a CRC-32 of every byte before it.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let value = n;
    for (let k = 0; k < 8; k++) {
      value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    }
    table[n] = value >>> 0;
  }
  return table;
})();

// Returns the CRC-32 (IEEE 802.3) of `bytes`.
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Returns the byte offset of the description's length field in a model file.
function descriptionOffset(view) {
  let offset = 8 + 4; // magic, format version
  const features = view.getUint32(offset, true);
  const layers = view.getUint32(offset + 8, true);
  offset += 12 + layers * 5 * 4; // features, steps, layer count, then 5 values per layer
  offset += features * 2 * 4; // feature mean and standard deviation
  offset += 3 * 4; // threshold, genuine target, forgery target
  const parameters = view.getUint32(offset, true);
  return offset + 4 + parameters * 4;
}

// Returns a copy of the model file `bytes` whose description was changed by `edit`, a function
// that changes the parsed JSON object it receives in place. Its return value is ignored.
export function editDescription(bytes, edit) {
  const source = new Uint8Array(bytes);
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const offset = descriptionOffset(view);
  const length = view.getUint32(offset, true);
  const text = new TextDecoder().decode(source.subarray(offset + 4, offset + 4 + length));
  const parsed = JSON.parse(text);
  edit(parsed);
  const description = new TextEncoder().encode(JSON.stringify(parsed));

  const result = new Uint8Array(offset + 4 + description.length + 4);
  result.set(source.subarray(0, offset));
  const out = new DataView(result.buffer);
  out.setUint32(offset, description.length, true);
  result.set(description, offset + 4);
  const end = offset + 4 + description.length;
  out.setUint32(end, crc32(result.subarray(0, end)), true);
  return result;
}

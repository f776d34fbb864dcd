// Signature files: conversion between the pad's signature objects (see pad.js) and the
// module's ink arrays, and the file formats the page imports and exports. The module reads and
// writes the files (core/src/ink_json.cpp, ink_inkml.cpp, svc2004.cpp); docs/ink-formats.md
// describes the formats.

// Values per sample in the module's ink arrays: [x, y, t, pressure, tiltX, tiltY, stroke].
export const INK_STRIDE = 7;

// Largest file the page reads, the module's kMaxInkFileBytes.
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export const FORMATS = {
  json: { name: 'Inkprint JSON', extension: '.json', type: 'application/json' },
  inkml: { name: 'InkML', extension: '.inkml', type: 'application/inkml+xml' },
  svc2004: { name: 'SVC2004 text', extension: '.txt', type: 'text/plain' },
};

// Returns the format of a file's text from its first character that is not white space (or a
// byte order mark): '{' for JSON, '<' for InkML, and a digit or a sign for SVC2004, whose first
// line is a number, so that a wrong count such as -5 gets the reader's own message. Returns null
// for anything else.
export function detectFormat(text) {
  const first = /[^\s\uFEFF]/.exec(text)?.[0];
  if (first === '{') {
    return 'json';
  }
  if (first === '<') {
    return 'inkml';
  }
  if (first !== undefined && /[0-9+-]/.test(first)) {
    return 'svc2004';
  }
  return null;
}

// Converts a signature object to the module's { points, pointerTypes }.
export function toInkArrays(signature) {
  const count = signature.strokes.reduce((total, stroke) => total + stroke.samples.length, 0);
  const points = new Float64Array(count * INK_STRIDE);
  let offset = 0;
  signature.strokes.forEach((stroke, strokeIndex) => {
    for (const sample of stroke.samples) {
      points[offset] = sample.x;
      points[offset + 1] = sample.y;
      points[offset + 2] = sample.t;
      points[offset + 3] = sample.pressure ?? Number.NaN;
      points[offset + 4] = sample.tiltX ?? Number.NaN;
      points[offset + 5] = sample.tiltY ?? Number.NaN;
      points[offset + 6] = strokeIndex;
      offset += INK_STRIDE;
    }
  });
  return { points, pointerTypes: signature.strokes.map((stroke) => stroke.pointerType) };
}

// Converts the module's { points, pointerTypes } to a signature object. The module has
// checked the values: stroke indices count 0, 1, 2, ... and every stroke has a sample.
export function fromInkArrays({ points, pointerTypes }) {
  const strokes = pointerTypes.map((pointerType) => ({ pointerType, samples: [] }));
  const orNull = (value) => (Number.isNaN(value) ? null : value);
  for (let offset = 0; offset < points.length; offset += INK_STRIDE) {
    strokes[points[offset + 6]].samples.push({
      x: points[offset],
      y: points[offset + 1],
      t: points[offset + 2],
      pressure: orNull(points[offset + 3]),
      tiltX: orNull(points[offset + 4]),
      tiltY: orNull(points[offset + 5]),
    });
  }
  return { strokes };
}

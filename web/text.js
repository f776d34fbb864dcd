// Text helpers for the page's messages.

// Returns a name, such as a person's or a file's, inside Unicode isolates (U+2068 FIRST STRONG
// ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE), which keep the name's text direction inside
// it. Without them, a name that contains U+202E RIGHT-TO-LEFT OVERRIDE would show the rest of
// the message reversed.
export function isolate(name) {
  return `\u2068${name}\u2069`;
}

// Returns a character's code point as "U+200B".
function codePoint(character) {
  return `U+${character.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

// Returns the first control character in `text` (U+0000 to U+001F, U+007F to U+009F) as
// "U+0000", or null when there is none. Such a character cannot be seen in a name.
export function controlCharacterIn(text) {
  const match = /[\u0000-\u001f\u007f-\u009f]/.exec(text);
  return match === null ? null : codePoint(match[0]);
}

// Pattern of one character that shows nothing on its own. It covers white space, control and
// format characters (such as U+200B ZERO WIDTH SPACE) and the other default-ignorable code
// points (such as U+3164 HANGUL FILLER and the variation selectors). U+2800 BRAILLE PATTERN
// BLANK is added by hand.
const INVISIBLE = /^[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]$/u;

// Returns the code points of `text` as "U+200B, U+2060" (each once, in order of appearance) when
// none of its characters can be seen, or null when one can or `text` is empty.
export function invisibleCharactersIn(text) {
  const characters = [...new Set(text)];
  if (characters.length === 0 || !characters.every((character) => INVISIBLE.test(character))) {
    return null;
  }
  return characters.map(codePoint).join(', ');
}

// Characters of INVISIBLE that a name may still contain: the ordinary and the ideographic
// space, the zero-width non-joiner and joiner (U+200C, U+200D), which Persian and Indic
// spellings and emoji sequences need, and the variation selectors and tags of emoji.
const ALLOWED_IN_NAME = /^[\u0020\u3000\u200c\u200d\ufe00-\ufe0f\u{e0020}-\u{e007f}\u{e0100}-\u{e01ef}]$/u;

// Returns the code points of the characters in `text` that show as nothing or as a plain space
// (such as U+200B ZERO WIDTH SPACE or U+00A0 NO-BREAK SPACE), as "U+200B, U+00A0" (each once, in
// order of appearance), or null when there is none. Such a character would make two names
// that look the same.
export function hiddenCharactersIn(text) {
  const hidden = [...new Set(text)].filter(
    (character) => INVISIBLE.test(character) && !ALLOWED_IN_NAME.test(character),
  );
  return hidden.length === 0 ? null : hidden.map(codePoint).join(', ');
}

// Returns why a person's name cannot be used, because it contains a control character, has no
// visible character, or contains a character that shows as nothing, or null when it can.
export function personNameProblem(name) {
  const control = controlCharacterIn(name);
  if (control !== null) {
    return (
      `The name contains the control character ${control}, which cannot be seen: type the name ` +
      'again without it, then try again.'
    );
  }
  const invisible = invisibleCharactersIn(name);
  if (invisible !== null) {
    return `The name has no visible character (${invisible}): type the person's name, then try again.`;
  }
  const hidden = hiddenCharactersIn(name);
  if (hidden !== null) {
    return (
      `The name contains ${hidden}, which shows as nothing or as a space, so the name would look ` +
      'like another: type the name again without it, then try again.'
    );
  }
  return null;
}

// Returns a person's name isolated and in curly quotes.
export function quote(name) {
  return `\u201c${isolate(name)}\u201d`;
}

// Returns names quoted and joined: "“a”", "“a” and “b”", or "“a”, “b” and “c”".
export function quoteList(names) {
  const quoted = names.map(quote);
  if (quoted.length <= 1) {
    return quoted.join('');
  }
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

// Returns "1 <singular>" or "<count> <pluralForm>".
export function countOf(count, singular, pluralForm = `${singular}s`) {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

// Returns the message of a thrown value: an Error's or DOMException's message, or the value as
// text otherwise. The module throws Error objects, but an Emscripten abort or an exception that
// the bindings do not convert may arrive as another kind of value.
//
// A full storage gets advice instead of the browser's own words. The browser's messages lose
// their final full stop, because the callers add their own punctuation after them.
export function describeError(error) {
  if (error?.name === 'QuotaExceededError') {
    return (
      "the browser's storage for this page is full: delete models you no longer use under " +
      "Models, or free space for this site in the browser's settings, then try again"
    );
  }
  // The browser closes the page's databases when the site's data is cleared. Its message for
  // every later write is only that the connection is closing.
  if (error?.name === 'InvalidStateError' && /connection is closing/i.test(error.message)) {
    return "the browser closed this page's saved data, as it does when the site's data is cleared: reload the page";
  }
  if (error instanceof DOMException) {
    return error.message.replace(/\.+$/, '');
  }
  return error instanceof Error ? error.message : String(error);
}

// Returns `text` ending in a full stop, unless it ends in one or in another sentence mark already.
export function sentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

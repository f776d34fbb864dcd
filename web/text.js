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
function controlCharacterIn(text) {
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
function invisibleCharactersIn(text) {
  const characters = [...new Set(text)];
  if (characters.length === 0 || !characters.every((character) => INVISIBLE.test(character))) {
    return null;
  }
  return characters.map(codePoint).join(', ');
}

// Pattern of one character that Unicode counts as white space (the White_Space property).
const WHITE_SPACE = /^\p{White_Space}$/u;

// Pattern of a letter or mark next to which U+200C ZERO WIDTH NON-JOINER or U+200D ZERO WIDTH
// JOINER can change what is shown, as between Arabic letters or after a Devanagari virama. The
// letters of Latin, Greek, Cyrillic, Han, Hiragana, Katakana and Hangul do not join, so a joiner
// shows as nothing next to them, and neither do the characters that all scripts share (the
// scripts Common and Inherited).
const JOINING_LETTER =
  /^(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Common}\p{Script=Inherited}])[\p{L}\p{M}]$/u;

// Pattern of an emoji that a variation selector may follow or a joiner may join to another.
const EMOJI = /^\p{Extended_Pictographic}$/u;

// Pattern of the last character of an emoji before a joiner: the emoji, or its skin tone.
const EMOJI_BASE = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}]$/u;

// Pattern of a letter of the Mongolian script.
const MONGOLIAN_LETTER = /^(?=\p{Script=Mongolian})\p{L}$/u;

// Patterns of the characters of INVISIBLE that a name may contain in some places only.
const JOINER = /^[\u200c\u200d]$/u;
const VARIATION_SELECTOR = /^[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;
const MONGOLIAN_VARIATION_SELECTOR = /^[\u180b-\u180d\u180f]$/u;
const TAG = /^[\u{e0020}-\u{e007f}]$/u;
const IDEOGRAPHIC_VARIATION_SELECTOR = /^[\u{e0100}-\u{e01ef}]$/u;
const HAN = /^\p{Script=Han}$/u;
const CANCEL_TAG = '\u{e007f}';

// Returns the character before `index` in `characters`, passing over combining marks, or ''
// when there is none. For a joiner after an Arabic vowel sign or an emoji's variation selector,
// it returns the letter or emoji that the mark belongs to.
function baseBefore(characters, index) {
  let before = index - 1;
  while (before >= 0 && /^\p{M}$/u.test(characters[before])) {
    before -= 1;
  }
  return before >= 0 ? characters[before] : '';
}

// Returns whether the tag character at `index` belongs to an emoji tag sequence, such as the
// flag of Scotland: an emoji, then one or more tags from U+E0020 to U+E007E, then U+E007F
// CANCEL TAG.
function isInTagSequence(characters, index) {
  let start = index;
  while (start > 0 && TAG.test(characters[start - 1])) {
    start -= 1;
  }
  let end = index;
  while (end + 1 < characters.length && TAG.test(characters[end + 1])) {
    end += 1;
  }
  const tags = characters.slice(start, end + 1);
  return (
    start > 0 &&
    EMOJI.test(characters[start - 1]) &&
    tags.length >= 2 &&
    tags.indexOf(CANCEL_TAG) === tags.length - 1
  );
}

// Returns whether the character at `index` of `characters` (the code points of a name) can be
// seen or changes what is shown there, so that removing it would change how the name looks.
// The ordinary and the ideographic space always count, and runs of white space are left to
// whiteSpaceRunIn. The other characters of INVISIBLE count only where a script or an emoji
// needs them:
// - U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER between two emoji. They also
//   count between two characters that are neither white space nor joiners when one of the two
//   is a JOINING_LETTER, and at the end of a word after a JOINING_LETTER and its combining mark;
// - a variation selector right after an emoji, or between a digit, "#" or "*" and U+20E3
//   COMBINING ENCLOSING KEYCAP;
// - an ideographic variation selector (U+E0100 to U+E01EF) right after a Han character. It
//   chooses a variant form of the character, which some Japanese names need;
// - a tag in an emoji tag sequence;
// - a Mongolian free variation selector right after a Mongolian letter;
// - U+180E MONGOLIAN VOWEL SEPARATOR and U+202F NARROW NO-BREAK SPACE between two Mongolian
//   letters, where Mongolian spelling uses them before a final vowel or a suffix.
function isShownAt(characters, index) {
  const character = characters[index];
  if (!INVISIBLE.test(character) || character === ' ' || character === '\u3000') {
    return true;
  }
  const before = characters[index - 1] ?? '';
  const after = characters[index + 1] ?? '';
  if (JOINER.test(character)) {
    const isNeighbour = (neighbour) =>
      neighbour !== '' && !WHITE_SPACE.test(neighbour) && !JOINER.test(neighbour);
    const base = baseBefore(characters, index);
    // A joiner acts between two emoji, as in an emoji sequence, and next to a letter that joins
    // inside a word. It also acts after a letter and its virama at the end of a word, as in the
    // chillu letters of the older Malayalam spelling.
    const joinsEmoji = EMOJI_BASE.test(base) && EMOJI.test(after);
    const inWord = isNeighbour(before) && isNeighbour(after);
    const joinsLetters = inWord && (JOINING_LETTER.test(base) || JOINING_LETTER.test(after));
    const endsWord = after === '' || WHITE_SPACE.test(after);
    const afterVirama = endsWord && /^\p{M}$/u.test(before) && JOINING_LETTER.test(base);
    return joinsEmoji || joinsLetters || afterVirama;
  }
  if (VARIATION_SELECTOR.test(character)) {
    return (
      EMOJI.test(before) ||
      (/^[0-9#*]$/.test(before) && after === '\u20e3') ||
      (IDEOGRAPHIC_VARIATION_SELECTOR.test(character) && HAN.test(before))
    );
  }
  if (TAG.test(character)) {
    return isInTagSequence(characters, index);
  }
  if (MONGOLIAN_VARIATION_SELECTOR.test(character)) {
    return MONGOLIAN_LETTER.test(before);
  }
  if (character === '\u180e' || character === '\u202f') {
    return MONGOLIAN_LETTER.test(baseBefore(characters, index)) && MONGOLIAN_LETTER.test(after);
  }
  return false;
}

// Returns the code points of the characters in `text` that show as nothing or as a plain space
// where they are, as "U+200B, U+200C" (each once, in order of appearance), or null when there
// is none. Examples are U+200B ZERO WIDTH SPACE anywhere and U+200C ZERO WIDTH NON-JOINER
// between Latin letters. Such a character would make two names that look the same. isShownAt
// lists the places where the invisible characters are allowed.
function hiddenCharactersIn(text) {
  const characters = [...text];
  const hidden = new Set(characters.filter((character, index) => !isShownAt(characters, index)));
  return hidden.size === 0 ? null : [...hidden].map(codePoint).join(', ');
}

// Returns the code points of the first run of two or more white-space characters in `text`, as
// "U+0020, U+0020", or null when there is none. Such a run looks like one space, so "Ann  Lee"
// would look like "Ann Lee".
function whiteSpaceRunIn(text) {
  const match = /\p{White_Space}{2,}/u.exec(text);
  return match === null ? null : [...match[0]].map(codePoint).join(', ');
}

// Returns `text` without the characters that hiddenCharactersIn reports, with each other run of
// white space replaced by one U+0020 SPACE, and trimmed. The result passes both checks. Removing
// a character can leave another without the neighbour it needs, so the removal repeats until
// nothing changes.
export function removeHiddenCharacters(text) {
  let result = text;
  let previous;
  do {
    previous = result;
    const characters = [...result];
    const visibleCharacters = characters.map((character, index) => {
      if (isShownAt(characters, index)) {
        return character;
      }
      // A tab or a no-break space separates words, so it becomes a space rather than nothing.
      return WHITE_SPACE.test(character) ? ' ' : '';
    });
    result = visibleCharacters.join('').replace(/\p{White_Space}{2,}/gu, ' ').trim();
  } while (result !== previous);
  return result;
}

// Returns why a name cannot be used, because it contains a control character, has no visible
// character, contains a character that shows as nothing or as a space, or has white space in a
// row, or null when it can. `wording` gives the message's subject ("The name") and the advice
// for each case: `retype`, `empty` and `oneSpace`.
function nameProblem(name, wording) {
  const { subject, retype, empty, oneSpace } = wording;
  const control = controlCharacterIn(name);
  if (control !== null) {
    return `${subject} contains the control character ${control}, which cannot be seen: ${retype}.`;
  }
  // Half of a UTF-16 pair, as a cut-off paste can leave, is drawn as the replacement mark, and
  // text passed on through UTF-8 often arrives with that mark itself in its place.
  const broken = /[\p{Cs}\ufffd]/u.exec(name);
  if (broken !== null) {
    const description =
      broken[0] === '\ufffd'
        ? 'the replacement mark for a character that could not be read'
        : 'half of a character, which shows as a replacement mark';
    return `${subject} contains ${codePoint(broken[0])}, ${description}: ${retype}.`;
  }
  const invisible = invisibleCharactersIn(name);
  if (invisible !== null) {
    return `${subject} has no visible character (${invisible}): ${empty}.`;
  }
  const hidden = hiddenCharactersIn(name);
  if (hidden !== null) {
    const several = hidden.includes(',');
    const advice = several ? retype.replace('without it', 'without them') : retype;
    return (
      `${subject} contains ${hidden}, which ${several ? 'show' : 'shows'} as nothing or as a space in that place, ` +
      `so the name would look like another: ${advice}.`
    );
  }
  const run = whiteSpaceRunIn(name);
  if (run !== null) {
    return (
      `${subject} contains white-space characters in a row (${run}), which look like one space, so ` +
      `the name would look like another: ${oneSpace}.`
    );
  }
  return null;
}

// Returns why a person's name cannot be used (see nameProblem), or null when it can.
export function personNameProblem(name) {
  return nameProblem(name, {
    subject: 'The name',
    retype: 'type the name again without it, then try again',
    empty: "type the person's name, then try again",
    oneSpace: 'leave one space between its parts, then try again',
  });
}

// Returns why a model name typed in the Train section cannot be used (see nameProblem), or null
// when it can.
export function modelNameProblem(name) {
  return nameProblem(name, {
    subject: 'The model name',
    retype: 'type it again without it',
    empty: 'type a name, or leave the field empty',
    oneSpace: 'leave one space between its parts',
  });
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

"""The one display-name rule (register and PATCH profiles/me/): visible text of 3-50 characters.

The name is NFC-normalised and trimmed, then refused if it holds anything that does not render
as visible text or that changes how the text around it renders:

* control, format, private-use, surrogate and unassigned code points (categories Cc, Cf, Co,
  Cs, Cn) - escape sequences, newlines, DEL, bidi overrides (U+202E), zero-width characters;
* line/paragraph separators and every space but U+0020 (no-break, ideographic, en spaces …);
* the remaining default-ignorable code points and blank-looking letters (Hangul fillers U+115F,
  U+1160, U+3164, U+FFA0, Khmer inherent vowels, the combining grapheme joiner, braille blank);
* a combining mark (Mn, Mc, Me, variation selectors included) with no visible character before
  it, or more than ``MAX_MARKS_PER_BASE`` of them on one character ("Zalgo" text).

Length is counted in code points after normalisation, the way the database counts it.
"""

import unicodedata

MIN_LENGTH = 3
MAX_LENGTH = 50
MAX_MARKS_PER_BASE = 3

_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) outside the refused categories,
# and letters or symbols that render as nothing.
_INVISIBLE = {
    0x034F,  # combining grapheme joiner
    0x115F,  # Hangul choseong filler
    0x1160,  # Hangul jungseong filler
    0x17B4,  # Khmer vowel inherent aq
    0x17B5,  # Khmer vowel inherent aa
    0x2800,  # braille pattern blank
    0x3164,  # Hangul filler
    0xFFA0,  # halfwidth Hangul filler
    0xFFFC,  # object replacement character
}
_INVISIBLE_RANGES = ((0x180B, 0x180F), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0x16FE4, 0x16FE4))


class DisplayNameInvalid(ValueError):
    """The name breaks the rule; ``str(exc)`` says how, for the client."""


def _invisible(char: str) -> bool:
    code = ord(char)
    return code in _INVISIBLE or any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def display_name_clean(value: str) -> str:
    """The name as stored (NFC, trimmed), or ``DisplayNameInvalid``."""
    name = unicodedata.normalize("NFC", value).strip()
    marks = 0
    previous = ""
    for char in name:
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES or _invisible(char):
            raise DisplayNameInvalid(
                f"Invisible or control characters are not allowed ({_describe(char)})."
            )
        if category.startswith("Z") and char != " ":
            raise DisplayNameInvalid(f"Use plain spaces only ({_describe(char)}).")
        if category.startswith("M"):
            marks += 1
            if previous in ("", " "):
                raise DisplayNameInvalid("A combining mark must follow a visible character.")
            if marks > MAX_MARKS_PER_BASE:
                raise DisplayNameInvalid(
                    f"At most {MAX_MARKS_PER_BASE} combining marks per character."
                )
        else:
            marks = 0
            previous = char
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        raise DisplayNameInvalid(
            f"Use {MIN_LENGTH} to {MAX_LENGTH} characters (this has {len(name)})."
        )
    return name

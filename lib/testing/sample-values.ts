/** The values the suite writes into a store that takes any JSON value (no `value` factory given). */

/**
 * A JSON value: what the suite writes when no `value` factory is given, and so what a store must hold
 * to be checked without one (a serialising store keeps exactly these).
 */
export type ConformanceJsonValue =
  null | boolean | number | string | ConformanceJsonValue[] | { [key: string]: ConformanceJsonValue };

/**
 * The default value factory: a small object that names its key and variant in several fields, so that
 * two variants differ from their first field to their last, and a value read under the wrong key shows.
 */
export function sampleValue(key: unknown, variant: number): ConformanceJsonValue {
  return {
    variant,
    key: String(key),
    list: [variant, 'two', { three: [variant] }],
    nested: { even: variant % 2 === 0, label: `value ${variant} of ${String(key)}` },
    last: variant,
  };
}

/** Values a careless store takes for a miss (`if (!value)`, `value || undefined`). */
export const FALSY_VALUES: readonly ConformanceJsonValue[] = [0, false, ''];

/** Every JSON type, nested. */
export const NESTED_VALUE: ConformanceJsonValue = {
  n: -12.5,
  int: 9_007_199_254_740_991,
  s: 'quotes " and \\ backslash, tab\tand newline\n',
  b: true,
  nil: null,
  empty: {},
  none: [],
  list: [1, 'two', { three: [3] }, null, [[]], false],
  nested: { deeper: { deepest: ['x', { y: 0 }] } },
};

/** Text beyond ASCII: accents, combining marks, CJK, right-to-left, emoji with modifiers and joiners. */
export const UNICODE_STRINGS: readonly string[] = [
  'héllo wörld, ça va ? Ærøskøbing',
  'e\u0301 (e + combining acute)',
  '日本語のテキスト, 中文, 한국어',
  'مرحبا بالعالم, שלום',
  '🙂 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈',
  'math: ∀x ∈ ℝ, x² ≥ 0; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
];

/** A string of `size` characters that is not one character repeated, so a truncation or a splice shows. */
export function largeString(size: number): string {
  const unit = '0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ_';
  let text = '';
  for (let i = 0; text.length < size; i++) text += `${i}:${unit}`;
  return text.slice(0, size);
}

// Trimming a repeated character off a string's ends. `s.replace(/\/+$/, '')` looks harmless but is
// quadratic on a long run of the character that does not reach the end (the regex engine retries
// the run from every position), and these run on request data: a loop is linear.

/** `text` without any trailing `char`s. */
export function trimEndChar(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return text.slice(0, end);
}

/** `text` without any leading or trailing `char`s. */
export function trimChar(text: string, char: string): string {
  let start = 0;
  while (start < text.length && text[start] === char) start++;
  return trimEndChar(text.slice(start), char);
}

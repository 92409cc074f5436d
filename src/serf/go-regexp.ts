/**
 * A linear-time matcher for the Go (RE2) regular expressions in Serf's tag filters.
 *
 * Serf's query tag filter is `regexp.MatchString(expr, tags[tag])`: an unanchored RE2 search
 * with a pattern chosen by whoever sent the query. JavaScript's `RegExp` backtracks, so a
 * hostile pattern such as `(a|a)*b` would freeze the node; RE2 guarantees time linear in the
 * input. So we compile the pattern to a Thompson NFA and run it as a set of states (the Pike
 * VM without captures): O(pattern × input), never exponential.
 *
 * Supported (the RE2 syntax that tag filters use in practice): literals; `.`; classes
 * `[a-z]`, `[^…]` with escapes; `\d \D \w \W \s \S` and punctuation escapes; `\t \n \r \f
 * \v`; anchors `^ $ \A \z`; groups `( )`, `(?: )`, `(?P<name> )`; alternation; `* + ?`
 * and `{n}`, `{n,}`, `{n,m}` (lazy forms too: they match the same strings); the `(?i)`,
 * `(?s)` flag groups at the start of the pattern. Anything else (word boundaries, POSIX and
 * Unicode classes, back-references that RE2 lacks anyway) is reported as unsupported, and
 * the filter then does not match — as Go treats a pattern it cannot compile.
 *
 * Limits: pattern ≤ `GO_REGEXP_PATTERN_CHARS_MAX` characters, repeat counts ≤ 1000 (RE2's),
 * compiled program ≤ `GO_REGEXP_STATES_MAX` states.
 */

export const GO_REGEXP_PATTERN_CHARS_MAX = 4096;
export const GO_REGEXP_STATES_MAX = 20_000;
const REPEAT_MAX = 1000;

/** A character test: code point → matches. */
type CharTest = (c: number) => boolean;

type Node =
  | { readonly k: 'char'; readonly test: CharTest }
  | { readonly k: 'bol' }
  | { readonly k: 'eol' }
  | { readonly k: 'empty' }
  | { readonly k: 'cat'; readonly parts: Node[] }
  | { readonly k: 'alt'; readonly parts: Node[] }
  | { readonly k: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

class Unsupported extends Error {}

export type CompiledRegexp =
  | { readonly ok: true; readonly match: (s: string) => boolean }
  | { readonly ok: false; readonly reason: string };

/** Compiles `pattern`; `ok: false` with a reason when it is invalid or outside the subset. */
export function compileGoRegexp(pattern: string): CompiledRegexp {
  if (pattern.length > GO_REGEXP_PATTERN_CHARS_MAX) {
    return { ok: false, reason: `pattern longer than ${GO_REGEXP_PATTERN_CHARS_MAX}` };
  }
  try {
    const parser = new Parser(pattern);
    const ast = parser.parse();
    const prog = compile(ast, parser.foldCase);
    return { ok: true, match: (s) => run(prog, s) };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, reason: e.message };
    throw e;
  }
}

// --- parsing ------------------------------------------------------------------------------

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) => c === 32 || (c >= 9 && c <= 13 && c !== 11) || c === 11;
const not =
  (t: CharTest): CharTest =>
  (c) =>
    !t(c);

class Parser {
  readonly #cps: number[];
  #i = 0;
  foldCase = false;
  dotAll = false;

  constructor(pattern: string) {
    this.#cps = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  parse(): Node {
    this.#leadingFlags();
    const node = this.#alt();
    if (this.#i < this.#cps.length) throw new Unsupported(`unexpected ) at ${this.#i}`);
    return node;
  }

  #peek(): number | undefined {
    return this.#cps[this.#i];
  }

  #leadingFlags(): void {
    // (?i), (?s), (?is) at the very start only.
    const cps = this.#cps;
    if (cps[0] !== 40 || cps[1] !== 63) return; // "(?"
    let j = 2;
    let fold = false;
    let dot = false;
    while (cps[j] === 105 || cps[j] === 115) {
      if (cps[j] === 105) fold = true;
      else dot = true;
      j++;
    }
    if (j === 2 || cps[j] !== 41) return; // not a bare flag group
    this.foldCase = fold;
    this.dotAll = dot;
    this.#i = j + 1;
  }

  #alt(): Node {
    const parts = [this.#cat()];
    while (this.#peek() === 124) {
      this.#i++;
      parts.push(this.#cat());
    }
    return parts.length === 1 ? parts[0]! : { k: 'alt', parts };
  }

  #cat(): Node {
    const parts: Node[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === 124 || c === 41) break;
      parts.push(this.#repeat(this.#atom()));
    }
    if (parts.length === 0) return { k: 'empty' };
    return parts.length === 1 ? parts[0]! : { k: 'cat', parts };
  }

  #repeat(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = this.#peek();
      let min: number;
      let max: number;
      if (c === 42) [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (c === 43) [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (c === 63) [min, max] = [0, 1];
      else if (c === 123) {
        const bounds = this.#braces();
        if (bounds === null) return node; // a literal "{" (Go accepts it)
        [min, max] = bounds; // the index is on the "}", skipped below
      } else return node;
      this.#i++;
      if (this.#peek() === 63) this.#i++; // lazy: same language
      if (node.k === 'rep' || node.k === 'bol' || node.k === 'eol') {
        throw new Unsupported('repeated repetition or anchor');
      }
      node = { k: 'rep', node, min, max };
    }
  }

  /** At "{": parses {n}, {n,}, {n,m}; leaves the index on the "}". Null if not a repeat. */
  #braces(): [number, number] | null {
    const start = this.#i;
    let j = start + 1;
    const num = (): number | null => {
      let v = 0;
      const from = j;
      while (j < this.#cps.length && isDigit(this.#cps[j]!)) {
        v = v * 10 + this.#cps[j]! - 48;
        if (v > REPEAT_MAX) throw new Unsupported(`repeat count over ${REPEAT_MAX}`);
        j++;
      }
      return j > from ? v : null;
    };
    const min = num();
    if (min === null) return null;
    let max = min;
    if (this.#cps[j] === 44) {
      j++;
      const m = num();
      max = m ?? Number.POSITIVE_INFINITY;
    }
    if (this.#cps[j] !== 125) return null;
    if (max < min) throw new Unsupported('invalid repeat count');
    this.#i = j;
    return [min, max];
  }

  #atom(): Node {
    const c = this.#cps[this.#i++]!;
    switch (c) {
      case 46: // .
        return { k: 'char', test: this.dotAll ? () => true : (x) => x !== 10 };
      case 94: // ^
        return { k: 'bol' };
      case 36: // $
        return { k: 'eol' };
      case 91: // [
        return { k: 'char', test: this.#class() };
      case 40: // (
        return this.#group();
      case 92: // \
        return this.#escape(false);
      case 42:
      case 43:
      case 63:
        throw new Unsupported('missing argument to repetition operator');
      default:
        return { k: 'char', test: (x) => x === c };
    }
  }

  #group(): Node {
    if (this.#peek() === 63) {
      // (?: … ) or (?P<name> … )
      const next = this.#cps[this.#i + 1];
      if (next === 58) this.#i += 2;
      else if (next === 80 && this.#cps[this.#i + 2] === 60) {
        const close = this.#cps.indexOf(62, this.#i + 3);
        if (close < 0) throw new Unsupported('unterminated group name');
        this.#i = close + 1;
      } else throw new Unsupported('unsupported group flags');
    }
    const inner = this.#alt();
    if (this.#cps[this.#i++] !== 41) throw new Unsupported('missing )');
    // Wrapped so that a repeated group, `(a*)*`, is not taken for `a**`.
    return { k: 'cat', parts: [inner] };
  }

  /** After "\": an escape, as an atom (outside a class) or a class member. */
  #escape(inClass: boolean): Node {
    const test = this.#escapeTest(inClass);
    if (test === 'bol' || test === 'eol') return { k: test };
    return { k: 'char', test };
  }

  #escapeTest(inClass: boolean): CharTest | 'bol' | 'eol' {
    const c = this.#cps[this.#i++];
    if (c === undefined) throw new Unsupported('trailing backslash');
    switch (String.fromCodePoint(c)) {
      case 'd':
        return isDigit;
      case 'D':
        return not(isDigit);
      case 'w':
        return isWord;
      case 'W':
        return not(isWord);
      case 's':
        return isSpace;
      case 'S':
        return not(isSpace);
      case 't':
        return (x) => x === 9;
      case 'n':
        return (x) => x === 10;
      case 'r':
        return (x) => x === 13;
      case 'f':
        return (x) => x === 12;
      case 'v':
        return (x) => x === 11;
      case 'A':
        if (inClass) break;
        return 'bol';
      case 'z':
        if (inClass) break;
        return 'eol';
      default:
        // Go allows escaping any punctuation.
        if (c < 128 && !isWord(c)) return (x) => x === c;
    }
    throw new Unsupported(`unsupported escape \\${String.fromCodePoint(c)}`);
  }

  #class(): CharTest {
    let negate = false;
    if (this.#peek() === 94) {
      negate = true;
      this.#i++;
    }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.#cps[this.#i++];
      if (c === undefined) throw new Unsupported('missing ]');
      if (c === 93 && !first) break;
      first = false;
      if (c === 91 && this.#peek() === 58) throw new Unsupported('POSIX classes');
      let lo: number;
      if (c === 92) {
        const t = this.#escapeTest(true);
        if (typeof t !== 'function') throw new Unsupported('anchor in class');
        // A single-character escape may start a range; a class escape may not.
        const single = singleChar(t);
        if (single === null) {
          tests.push(t);
          continue;
        }
        lo = single;
      } else lo = c;
      if (
        this.#peek() === 45 &&
        this.#cps[this.#i + 1] !== 93 &&
        this.#cps[this.#i + 1] !== undefined
      ) {
        this.#i++;
        let hi = this.#cps[this.#i++]!;
        if (hi === 92) {
          const t = this.#escapeTest(true);
          const single = typeof t === 'function' ? singleChar(t) : null;
          if (single === null) throw new Unsupported('bad range');
          hi = single;
        }
        if (hi < lo) throw new Unsupported('invalid class range');
        tests.push((x) => x >= lo && x <= hi);
      } else {
        const v = lo;
        tests.push((x) => x === v);
      }
    }
    const any: CharTest = (x) => tests.some((t) => t(x));
    return negate ? (x) => !any(x) : any;
  }
}

/** The one code point a test accepts, if it is a single-character test (for ranges). */
function singleChar(t: CharTest): number | null {
  let found: number | null = null;
  for (let c = 0; c < 128; c++) {
    if (t(c)) {
      if (found !== null) return null;
      found = c;
    }
  }
  return found;
}

// --- compiling: a Thompson NFA ---------------------------------------------------------------

type Inst =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; next: number }
  | { op: 'bol'; next: number }
  | { op: 'eol'; next: number }
  | { op: 'match' };

function compile(ast: Node, foldCase: boolean): Inst[] {
  const prog: Inst[] = [];
  const add = (inst: Inst): number => {
    if (prog.length >= GO_REGEXP_STATES_MAX) throw new Unsupported('pattern too large');
    prog.push(inst);
    return prog.length - 1;
  };
  // Each emit returns the entry index and a list of dangling "next" slots to patch.
  type Frag = { start: number; out: ((to: number) => void)[] };
  const emit = (n: Node): Frag => {
    switch (n.k) {
      case 'char': {
        const test = foldCase ? folded(n.test) : n.test;
        const i = add({ op: 'char', test, next: -1 });
        return { start: i, out: [(to) => ((prog[i] as { next: number }).next = to)] };
      }
      case 'bol':
      case 'eol': {
        const i = add({ op: n.k, next: -1 });
        return { start: i, out: [(to) => ((prog[i] as { next: number }).next = to)] };
      }
      case 'empty': {
        const i = add({ op: 'jmp', next: -1 });
        return { start: i, out: [(to) => ((prog[i] as { next: number }).next = to)] };
      }
      case 'cat': {
        const frags = n.parts.map(emit);
        for (let j = 0; j + 1 < frags.length; j++) {
          for (const patch of frags[j]!.out) patch(frags[j + 1]!.start);
        }
        return { start: frags[0]!.start, out: frags[frags.length - 1]!.out };
      }
      case 'alt': {
        let frag = emit(n.parts[0]!);
        for (let j = 1; j < n.parts.length; j++) {
          const right = emit(n.parts[j]!);
          const i = add({ op: 'split', a: frag.start, b: right.start });
          frag = { start: i, out: [...frag.out, ...right.out] };
        }
        return frag;
      }
      case 'rep': {
        // x{min,max}: min copies, then (max − min) optional copies or a star.
        const pieces: Frag[] = [];
        for (let j = 0; j < n.min; j++) pieces.push(emit(n.node));
        if (n.max === Number.POSITIVE_INFINITY) {
          const body = emit(n.node);
          const i = add({ op: 'split', a: body.start, b: -1 });
          for (const patch of body.out) patch(i);
          pieces.push({ start: i, out: [(to) => ((prog[i] as { b: number }).b = to)] });
        } else {
          for (let j = n.min; j < n.max; j++) {
            const body = emit(n.node);
            const i = add({ op: 'split', a: body.start, b: -1 });
            pieces.push({
              start: i,
              out: [...body.out, (to) => ((prog[i] as { b: number }).b = to)],
            });
          }
        }
        if (pieces.length === 0) return emit({ k: 'empty' });
        for (let j = 0; j + 1 < pieces.length; j++) {
          for (const patch of pieces[j]!.out) patch(pieces[j + 1]!.start);
        }
        return { start: pieces[0]!.start, out: pieces[pieces.length - 1]!.out };
      }
    }
  };
  const frag = emit(ast);
  const m = add({ op: 'match' });
  for (const patch of frag.out) patch(m);
  // Entry is the fragment's start: move it to index 0 by a leading jump.
  prog.push({ op: 'jmp', next: frag.start });
  return prog;
}

function folded(test: CharTest): CharTest {
  return (c) => {
    if (test(c)) return true;
    const s = String.fromCodePoint(c);
    const lo = s.toLowerCase().codePointAt(0)!;
    const up = s.toUpperCase().codePointAt(0)!;
    return (lo !== c && test(lo)) || (up !== c && test(up));
  };
}

// --- running: a set of states per input position ------------------------------------------

function run(prog: Inst[], input: string): boolean {
  const entry = prog.length - 1;
  const cps = Array.from(input, (ch) => ch.codePointAt(0)!);
  const n = cps.length;
  let current: number[] = [];
  let next: number[] = [];
  const onList = new Int32Array(prog.length).fill(-1);
  // Adds state `pc` and everything reachable by empty moves at position `pos`.
  const addState = (list: number[], pc: number, pos: number, gen: number): boolean => {
    const stack = [pc];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (onList[s] === gen) continue;
      onList[s] = gen;
      const inst = prog[s]!;
      switch (inst.op) {
        case 'jmp':
          stack.push(inst.next);
          break;
        case 'split':
          stack.push(inst.b, inst.a);
          break;
        case 'bol':
          if (pos === 0) stack.push(inst.next);
          break;
        case 'eol':
          if (pos === n) stack.push(inst.next);
          break;
        case 'match':
          return true;
        case 'char':
          list.push(s);
          break;
      }
    }
    return false;
  };
  for (let pos = 0; pos <= n; pos++) {
    // Unanchored search: a new thread may start at every position.
    if (addState(current, entry, pos, pos)) return true;
    if (pos === n) break;
    const c = cps[pos]!;
    next.length = 0;
    for (const s of current) {
      const inst = prog[s] as { op: 'char'; test: CharTest; next: number };
      if (inst.test(c) && addState(next, inst.next, pos + 1, pos + 1)) return true;
    }
    [current, next] = [next, current];
  }
  return false;
}
